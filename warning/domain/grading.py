"""The grading policy: risk level x severity -> response, raised by repetition, with deadlines."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from warning.domain.enums import LEVEL_ALIASES, Level, Response


class DayKind(StrEnum):
    """How deadline days are counted."""

    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True)
class Deadline:
    """Days to sign for (签收) and to report (上报) a warning of one response."""

    receive_days: int
    report_days: int
    day_kind: DayKind


@dataclass(frozen=True)
class Grade:
    """The response a warning gets and its deadlines."""

    response: Response
    receive_days: int
    report_days: int
    day_kind: DayKind


@dataclass(frozen=True)
class RepeatStep:
    """From the `from_count`-th hit on, raise the response by `steps` grades."""

    from_count: int
    steps: int


class GradingPolicyError(ValueError):
    """A grading policy that is incomplete or inconsistent; `at` is the path of the part
    at fault in the grading file (("matrix", "low"), ("repeat", 1)), for its line."""

    def __init__(self, message: str, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.at = at


@dataclass(frozen=True)
class GradingPolicy:
    """Pure grading: matrix lookup, repetition raise, deadline per response."""

    matrix: Mapping[Level, Mapping[int, Response]]
    repeat_steps: Sequence[RepeatStep]
    deadlines: Mapping[Response, Deadline]
    # grade() by its arguments: intake grades ~15 rules a signal from a handful of inputs
    _grades: dict[tuple[object, ...], Grade] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for level in Level:
            for severity in (1, 2, 3):
                if severity not in self.matrix.get(level, {}):
                    at = ("matrix", level.value) if level in self.matrix else ("matrix",)
                    raise GradingPolicyError(
                        f"matrix 缺少 {level.value} × 严重程度 {severity}", at)
        for response in Response:
            if response not in self.deadlines:
                raise GradingPolicyError(f"deadlines 缺少 {response.value}", ("deadlines",))
        counts = [step.from_count for step in self.repeat_steps]
        for index, count in enumerate(counts):
            if count in counts[:index]:
                raise GradingPolicyError(f"repeat 中的 from 重复: {count}", ("repeat", index))

    def base(self, level: Level | str, severity: int) -> Response:
        """Return the matrix response for a risk level and a severity (1-3)."""
        return self.matrix[_level(level)][min(3, max(1, severity))]

    def steps_for(self, repeat_count: int) -> int:
        """Return how many grades the `repeat_count`-th hit (1 = first) raises the response."""
        reached = [s.steps for s in self.repeat_steps if repeat_count >= s.from_count]
        return max(reached, default=0)

    def grade(
        self, level: Level | str, severity: int, repeat_count: int, explicit: Response | None
    ) -> Grade:
        """Grade a warning: explicit response or matrix, raised by repetition."""
        key = (level, severity, repeat_count, explicit)
        found = self._grades.get(key)
        if found is None:
            if len(self._grades) > 10_000:  # repeat counts grow without bound
                self._grades.clear()
            raised = (explicit or self.base(level, severity)).raised(self.steps_for(repeat_count))
            found = self._grades[key] = self.of(raised)
        return found

    def of(self, response: Response) -> Grade:
        """Return the grade of a response: the response with its deadlines."""
        deadline = self.deadlines[response]
        return Grade(response, deadline.receive_days, deadline.report_days, deadline.day_kind)

    def heaviest(
        self, level: Level | str, rules: Sequence["RuleGrade"], count: int = 1
    ) -> tuple["RuleGrade", Grade]:
        """Grade each rule raised by the larger of its own repetition and `count`; return the
        heaviest rule and its grade (ties: higher severity, then the first given)."""
        best: tuple[RuleGrade, Grade] | None = None
        for rule in rules:
            grade = self.grade(level, rule.severity, max(rule.times, count), rule.response)
            if best is None or (grade.response.rank, rule.severity) > (
                best[1].response.rank, best[0].severity
            ):
                best = (rule, grade)
        if best is None:
            raise ValueError("heaviest() needs at least one rule")
        return best

    def regraded(
        self, level: Level | str, *, present: Response, base: Response,
        rules: Sequence["RuleGrade"], count: int,
    ) -> Grade | None:
        """Grade an open warning that a later signal joined as its `count`-th: the heaviest of
        its present response, its base raised by `count`, and each joining rule's grade.
        Return the new grade if heavier than the present response, else None."""
        _rule, joined = self.heaviest(level, rules, count)
        candidates = (base.raised(self.steps_for(count)), joined.response)
        heaviest = max(candidates, key=lambda response: response.rank)
        return self.of(heaviest) if heaviest.rank > present.rank else None


@dataclass(frozen=True)
class RuleGrade:
    """A rule that fired for one (risk point, subject) in a signal, as grading sees it."""

    rule_id: str
    severity: int
    response: Response | None  # the rule's explicit response
    times: int = 1  # its own repetition: the hit count its repeat reached, or near-duplicates


def _level(level: Level | str) -> Level:
    if isinstance(level, Level):
        return level
    try:
        return LEVEL_ALIASES[level]
    except KeyError:
        raise GradingPolicyError(f"未知的风险等级 {level!r}") from None


def default_policy() -> GradingPolicy:
    """Return the policy used when rules/grading.yaml is absent (same as the shipped file)."""
    r = Response
    return GradingPolicy(
        matrix={
            Level.HIGH: {1: r.TALK, 2: r.ADMONITION, 3: r.RECTIFICATION},
            Level.MEDIUM: {1: r.REMINDER, 2: r.TALK, 3: r.ADMONITION},
            Level.LOW: {1: r.REMINDER, 2: r.REMINDER, 3: r.TALK},
        },
        repeat_steps=(RepeatStep(2, 1), RepeatStep(3, 2)),
        deadlines={
            r.REMINDER: Deadline(3, 15, DayKind.WORKING),
            r.TALK: Deadline(3, 10, DayKind.WORKING),
            r.ADMONITION: Deadline(2, 10, DayKind.WORKING),
            r.RECTIFICATION: Deadline(1, 30, DayKind.CALENDAR),
        },
    )
