"""Check rule files and fixtures, and run the fixtures (`qingfeng rules test`).

The evaluator (and the engine process behind it) is imported only to run fixtures, so that
`qingfeng rules check` does not pay for it at start-up.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from warning.rules import loader
from warning.rules.loader import (
    RuleBook,
    hidden,
    load_rulebook,
    read_regular,
    unreadable,
    watched_files,
)
from warning.rules.model import FixtureCase, FixtureFile
from warning.rules.problems import Problem, RuleBookError, display, from_validation
from warning.rules.yaml_lines import LineDict, YamlError, line_of, load_lines

if TYPE_CHECKING:
    from warning.rules.evaluator import Evaluator

FIXTURES = "tests"


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one fixture case."""

    file: str
    line: int
    name: str
    missing: tuple[str, ...]  # expected to fire, did not
    unexpected: tuple[str, ...]  # expected not to fire, did
    notes: tuple[str, ...] = ()  # why a matching rule did not fire

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


@dataclass
class FixtureReport:
    """All fixture cases run, and problems that kept fixture files from running."""

    cases: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and all(case.passed for case in self.cases)


def channel_ids(channels_dir: Path) -> set[str]:
    """Return the ids of the valid channel files of a directory; a broken one declares none
    (the service refuses to start on it and names its problems)."""
    from warning.channels.loader import check_channels

    definitions, _problems = check_channels(channels_dir)
    return {definition.id for definition in definitions}


def _fixture_files(rules_dir: Path) -> list[Path]:
    return sorted(p for p in (rules_dir / FIXTURES).glob("*.yaml") if not hidden(p))


def checked_files(rules_dir: Path) -> list[Path]:
    """Return every file `qingfeng rules check|test` reads: the rule book's and the fixtures."""
    return [*watched_files(rules_dir), *_fixture_files(rules_dir)]


def load_fixtures(
    rules_dir: Path, known_rules: Iterable[str], *, channels: set[str] | None = None,
    departments: set[str] | None = None,
) -> tuple[list[tuple[str, int, FixtureCase]], list[Problem]]:
    """Read the fixture files; return (file, line, case) triples and problems. A case's
    signal is checked against the known `channels` and `departments` as rules are (None or
    empty: unchecked): a signal intake would refuse tests nothing."""
    known = set(known_rules)
    cases: list[tuple[str, int, FixtureCase]] = []
    problems: list[Problem] = []
    for path in _fixture_files(rules_dir):
        shown = display(path)
        try:
            data = load_lines(read_regular(path, loader.MAX_FILE_BYTES).decode("utf-8"))
        except OSError as error:
            problems.append(unreadable(path, error))
            continue
        except UnicodeDecodeError as error:
            problems.append(Problem(shown, 1, "", f"不是 UTF-8 编码 (not UTF-8): {error}"))
            continue
        except YamlError as error:
            problems.append(Problem(shown, error.line, "", str(error)))
            continue
        if not isinstance(data, LineDict):
            problems.append(Problem(shown, 1, "", "文件应为含 cases 列表的映射"))
            continue
        try:
            parsed = FixtureFile.model_validate(data)
        except ValidationError as error:
            problems.extend(from_validation(shown, data, error, list_key="cases"))
            continue
        for number, case in enumerate(parsed.cases):
            line = line_of(data, ("cases", number))
            cases.append((shown, line, case))
            for rule_id in (*case.expect, *case.expect_not):
                if rule_id not in known:
                    problems.append(Problem(shown, line, rule_id,
                                            f"用例 {case.name!r} 引用了不存在的规则"))
            problems.extend(Problem(shown, line, case.name, message)
                            for message in _unknown_codes(case, channels, departments))
    return cases, problems


def _unknown_codes(
    case: FixtureCase, channels: set[str] | None, departments: set[str] | None
) -> list[str]:
    signal = case.signal
    found = []
    if channels and signal.channel not in channels:
        found.append(f"signal.channel: 未知的渠道 {signal.channel!r}")
    if departments and signal.department is not None and signal.department not in departments:
        found.append(f"signal.department: 部门目录中没有 {signal.department!r}")
    return found


def reference_hints(
    *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None,
) -> list[str]:
    """Say which codes went unchecked because nothing of their kind is imported yet."""
    empty = [
        hint for known, hint in (
            (risk_points, "风险点清单为空, 未检查 risk_point: 请先导入风险点清单"),
            (channels, "没有渠道, 未检查 when.channels: 请先同步渠道文件 (channels/)"),
            (departments, "部门目录为空, 未检查 when.departments: 请先导入部门"),
        )
        if known is not None and not known
    ]
    return empty


def check_rulebook(
    rules_dir: Path, *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None,
) -> tuple[RuleBook | None, list[Problem]]:
    """Load the rule book and check the fixtures; return it (or None) and every problem."""
    try:
        rulebook = load_rulebook(rules_dir, risk_points=risk_points, channels=channels,
                                 departments=departments)
    except RuleBookError as error:
        return None, list(error.problems)
    _cases, problems = load_fixtures(rules_dir, rulebook.by_id, channels=channels,
                                     departments=departments)
    return rulebook, problems


def check(
    rules_dir: Path, channels_dir: Path | None = None, *,
    risk_points: set[str] | None = None, channels: set[str] | None = None,
    departments: set[str] | None = None,
) -> list[Problem]:
    """Check rule, grading and fixture files; channel ids come from `channels` or the files."""
    if channels is None and channels_dir is not None:
        channels = channel_ids(channels_dir)
    return check_rulebook(rules_dir, risk_points=risk_points, channels=channels,
                          departments=departments)[1]


def _fired(evaluator: "Evaluator", case: FixtureCase) -> tuple[set[str], list[str]]:
    """Return the rules a case fires, and a note for each repeat rule its signal cannot fire."""
    from warning.domain.subjects import subject_present
    from warning.rules.evaluator import SignalFacts

    signal = case.signal
    facts = SignalFacts(channel=signal.channel, title=signal.title, text=signal.text,
                        department=signal.department, person=signal.person, post=signal.post,
                        amount=signal.amount)
    fired: set[str] = set()
    notes: list[str] = []
    for match in evaluator.match(facts):
        if match.repeat is not None:
            kind = match.repeat.subject
            if not subject_present(kind, signal.department, signal.person, signal.post):
                notes.append(f"{match.rule_id}: 重复规则按 {kind.value} 计数, 信号缺少该主体, "
                             "不触发 (repeat rule without its subject does not fire)")
                continue
            if case.history + 1 < match.repeat.count:
                continue
        fired.add(match.rule_id)
    return fired, notes


def run_fixtures(
    rulebook: RuleBook, evaluator: "Evaluator | None" = None, *, rule_id: str | None = None,
) -> FixtureReport:
    """Run the fixture cases of the rule book's directory (those naming `rule_id`, if given)."""
    if evaluator is None:
        from warning.rules.evaluator import Evaluator

        evaluator = Evaluator(rulebook)
    cases, problems = load_fixtures(rulebook.directory, rulebook.by_id)
    report = FixtureReport(problems=problems)
    for file, line, case in cases:
        if rule_id is not None and rule_id not in (*case.expect, *case.expect_not):
            continue
        fired, notes = _fired(evaluator, case)
        report.cases.append(CaseResult(
            file, line, case.name,
            missing=tuple(r for r in case.expect if r not in fired),
            unexpected=tuple(r for r in case.expect_not if r in fired),
            notes=tuple(notes),
        ))
    return report
