"""Evaluate signals against a rule book: text in Python first, structure in durable-rules."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from warning.domain.enums import Response, RuleMode
from warning.rules.amounts import to_fen
from warning.rules.engine import SHARD_SIZE, Shard, ShardHost, Slot, default_host
from warning.rules.loader import Rule, RuleBook
from warning.rules.model import RepeatSpec
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
    amount: Decimal | float | None = None  # compared as stored: integer fen


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


def _slot(rule: Rule) -> Slot:
    when = rule.when
    amount: tuple[tuple[str, float], ...] = ()
    if when.amount is not None:
        bounds = when.amount.model_dump(exclude_none=True)
        # integer fen: durable compares integers exactly, floats lose the last fen
        amount = tuple((op, to_fen(bound)) for op, bound in sorted(bounds.items()))
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

    def __init__(self, rulebook: RuleBook, *, host: ShardHost | None = None) -> None:
        host = host or default_host()
        self.rules = tuple(r for r in rulebook.rules if r.mode is not RuleMode.OFF)
        self._matches = tuple(_match(r) for r in self.rules)
        self._text = TextIndex([r.when.text for r in self.rules])
        self._place: list[tuple[int, int]] = []  # rule number -> (shard number, slot)
        self._shards: list[Shard] = []
        self._shard_first: list[int] = []  # shard number -> number of its first rule
        numbered = list(enumerate(self.rules))
        for _file, group in groupby(numbered, key=lambda item: item[1].file):
            members = list(group)
            for start in range(0, len(members), SHARD_SIZE):
                chunk = members[start : start + SHARD_SIZE]
                shard_number = len(self._shards)
                self._shards.append(host.shard([_slot(rule) for _i, rule in chunk]))
                self._shard_first.append(chunk[0][0])
                self._place.extend((shard_number, slot) for slot in range(len(chunk)))

    @property
    def shards(self) -> tuple[Shard, ...]:
        """Return the durable shards this evaluator posts to."""
        return tuple(self._shards)

    def match(self, facts: SignalFacts) -> list[RuleMatch]:
        """Return the rules whose text and structural conditions hold for a signal."""
        candidates, _with_text = self._text.candidates(f"{facts.title}\n{facts.text}")
        by_shard: dict[int, list[int]] = {}
        for number in candidates:
            shard_number, slot = self._place[number]
            by_shard.setdefault(shard_number, []).append(slot)
        amount = None if facts.amount is None else to_fen(facts.amount)
        fired: list[int] = []
        for shard_number, slots in sorted(by_shard.items()):
            shard = self._shards[shard_number]
            fact = shard.fact(facts.channel, facts.department, amount, slots)
            first = self._shard_first[shard_number]
            fired.extend(first + slot for slot in shard.fire(fact))
        return [self._matches[number] for number in sorted(set(fired))]

    def match_many(self, facts: Sequence[SignalFacts]) -> list[list[RuleMatch]]:
        """Match a batch of signals, one list of matches per signal in order."""
        return [self.match(one) for one in facts]
