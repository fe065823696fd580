"""Evaluate signals against a rule book: text in Python first, structure in durable-rules.

A rule with structural conditions (channels, departments, amount) sits in a durable shard
and fires when durable says so. A rule with a text condition only has nothing for durable
to test: it fires when its text holds, without a trip to the engine (in a dense signal,
most candidate rules are such, and each trip is a durable assert/retract per shard).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from warning.domain.enums import Response, RuleMode
from warning.rules.amounts import to_fen
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
    triage: bool | None = None  # the rule's 研判 setting; None: the channel's


def slot_of(rule: Rule) -> Slot:
    """Return a rule's structural conditions as a shard slot."""
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
                     rule.when.repeat, rule.response, rule.triage)


class Evaluator:
    """Match signals against the active and monitor rules of a rule book."""

    def __init__(
        self, rulebook: RuleBook, *, host: EngineHost | None = None, wait: bool = True
    ) -> None:
        """`wait`: False starts the engine child in the background (see Engine)."""
        host = host or default_host()
        self.rules = tuple(r for r in rulebook.rules if r.mode is not RuleMode.OFF)
        self._matches = tuple(_match(r) for r in self.rules)
        self._text = TextIndex([r.when.text for r in self.rules])
        self._in_shard: list[list[int]] = []  # shard number -> rule numbers by slot
        shards: list[list[Slot]] = []
        slots = [slot_of(rule) for rule in self.rules]
        self._place: list[tuple[int, int] | None] = [None] * len(self.rules)  # (shard, slot)
        structural = [i for i, slot in enumerate(slots) if _structural(slot)]
        for _file, group in groupby(structural, key=lambda i: self.rules[i].file):
            members = list(group)
            for start in range(0, len(members), SHARD_SIZE):
                chunk = members[start : start + SHARD_SIZE]
                for slot, number in enumerate(chunk):
                    self._place[number] = (len(shards), slot)
                self._in_shard.append(chunk)
                shards.append([slots[number] for number in chunk])
        self.engine: Engine = host.engine(shards, wait=wait)

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
        fired: list[set[int]] = []
        requests: list[Request] = []
        for one in facts:
            direct, request = self._request(one)
            fired.append(direct)
            requests.append(request)
        if any(posts for *_fields, posts in requests):
            in_shard = self._in_shard
            for found, pairs in zip(fired, self.engine.evaluate(requests), strict=True):
                found.update(in_shard[pairs[i]][pairs[i + 1]] for i in range(0, len(pairs), 2))
        return [[self._matches[n] for n in sorted(found)] for found in fired]

    def _request(self, facts: SignalFacts) -> tuple[set[int], Request]:
        """Return the rules that fire on text alone, and the engine request for the rest."""
        candidates, _with_text = self._text.candidates(f"{facts.title}\n{facts.text}")
        direct: set[int] = set()
        by_shard: dict[int, list[int]] = {}
        for number in candidates:
            place = self._place[number]
            if place is None:
                direct.add(number)
            else:
                by_shard.setdefault(place[0], []).append(place[1])
        amount = None if facts.amount is None else to_fen(facts.amount)
        posts = tuple((shard, tuple(slots)) for shard, slots in sorted(by_shard.items()))
        return direct, (facts.channel, facts.department, amount, posts)


def _structural(slot: Slot) -> bool:
    """Tell whether a rule has a condition for durable to test (else its text decides)."""
    return bool(slot.channels or slot.departments or slot.amount)
