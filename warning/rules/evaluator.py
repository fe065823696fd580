"""Evaluate signals against a rule book: text in Python first, structure in durable-rules."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from warning.domain.enums import Response, RuleMode
from warning.rules.engine_process import Engine, EngineHost, default_host
from warning.rules.loader import Rule, RuleBook
from warning.rules.model import RepeatSpec
from warning.rules.slots import SHARD_SIZE, Request, Slot
from warning.rules.text import TextIndex

__all__ = ["Evaluator", "RepeatSpec", "RuleMatch", "SignalFacts"]


@dataclass(frozen=True)
class SignalFacts:
    """What the rules may look at in a signal."""

    channel: str
    title: str
    text: str
    department: str | None = None
    person: str | None = None
    post: str | None = None
    amount: float | None = None


@dataclass(frozen=True)
class RuleMatch:
    """A rule whose conditions held for a signal (repetition not yet applied)."""

    rule_id: str
    rule_version: str
    risk_point: str
    mode: RuleMode
    severity: int
    repeat: RepeatSpec | None
    response: Response | None


def slot_of(rule: Rule) -> Slot:
    """Return a rule's structural conditions as a shard slot."""
    when = rule.when
    amount: tuple[tuple[str, float], ...] = ()
    if when.amount is not None:
        bounds = when.amount.model_dump(exclude_none=True)
        amount = tuple((op, float(bound)) for op, bound in sorted(bounds.items()))
    return Slot(
        channels=tuple(sorted(set(when.channels))) if when.channels else None,
        departments=tuple(sorted(set(when.departments))) if when.departments else None,
        amount=amount,
        text=when.text is not None,
    )


def _match(rule: Rule) -> RuleMatch:
    return RuleMatch(rule.id, rule.version, rule.risk_point, rule.mode, rule.severity,
                     rule.when.repeat, rule.response)


class Evaluator:
    """Match signals against the active and monitor rules of a rule book."""

    def __init__(self, rulebook: RuleBook, *, host: EngineHost | None = None) -> None:
        host = host or default_host()
        self.rules = tuple(r for r in rulebook.rules if r.mode is not RuleMode.OFF)
        self._matches = tuple(_match(r) for r in self.rules)
        self._text = TextIndex([r.when.text for r in self.rules])
        self._place: list[tuple[int, int]] = []  # rule number -> (shard number, slot)
        self._shard_first: list[int] = []  # shard number -> number of its first rule
        shards: list[list[Slot]] = []
        numbered = list(enumerate(self.rules))
        for _file, group in groupby(numbered, key=lambda item: item[1].file):
            members = list(group)
            for start in range(0, len(members), SHARD_SIZE):
                chunk = members[start : start + SHARD_SIZE]
                self._place.extend((len(shards), slot) for slot in range(len(chunk)))
                self._shard_first.append(chunk[0][0])
                shards.append([slot_of(rule) for _i, rule in chunk])
        self.engine: Engine = host.engine(shards)

    @property
    def shard_sizes(self) -> tuple[int, ...]:
        """Return how many rules each durable shard holds."""
        return tuple(len(slots) for slots in self.engine.shards)

    def match(self, facts: SignalFacts) -> list[RuleMatch]:
        """Return the rules whose text and structural conditions hold for a signal."""
        return self.match_many([facts])[0]

    def match_many(self, facts: Sequence[SignalFacts]) -> list[list[RuleMatch]]:
        """Match a batch of signals, one list of matches per signal in order.

        Text runs here; the structural tests of every signal that has a candidate rule go
        to the engine child in one round trip.
        """
        requests = [self._request(one) for one in facts]
        if not any(posts for *_fields, posts in requests):
            return [[] for _ in requests]
        answers = self.engine.evaluate(requests)
        first = self._shard_first
        return [
            [self._matches[n] for n in sorted({first[pairs[i]] + pairs[i + 1]
                                                for i in range(0, len(pairs), 2)})]
            for pairs in answers
        ]

    def _request(self, facts: SignalFacts) -> Request:
        candidates, _with_text = self._text.candidates(f"{facts.title}\n{facts.text}")
        by_shard: dict[int, list[int]] = {}
        for number in candidates:
            shard_number, slot = self._place[number]
            by_shard.setdefault(shard_number, []).append(slot)
        amount = None if facts.amount is None else float(facts.amount)
        posts = tuple((shard, tuple(slots)) for shard, slots in sorted(by_shard.items()))
        return (facts.channel, facts.department, amount, posts)
