"""The only module that talks to durable-rules: shards of structural rules over small facts.

What durable-rules 2.0.28 does (measured here) and how this module makes each failure
impossible rather than rare:

- 512+ rules in one ruleset hang or fail with 303, and more than 64 rules matching one
  event fail with 303. Rules are cut into shards of SHARD_SIZE (32) rules, one ruleset each,
  so neither count can be reached.
- An *event* is consumed by the first rule it matches, so only one action ever comes out.
  Each signal is asserted as a *fact* (not consumed: every matching rule of the shard
  yields its own action), all actions are drained, then the fact is retracted. Nothing stays
  in durable between evaluations (a test reads the facts back and finds none).
- Contexts (sids) are hashed to 32 bits and the 1,025th raises MemoryError. Every fact uses
  the one fixed sid "0"; repetition is counted by the caller from the database.
- Regexes over long text never match (65,535 bytes), wide character ranges crash, `$mt` is
  a full match. No text reaches durable: the text prefilter (text.py) runs first, and the
  fact carries only `ch`, `dp`, `amt` and one boolean `t<slot>` per rule whose text held.
- Errors are bare numbers: DurableError names them.
- Reloads: a ruleset cannot be replaced, and deleting one leaks. Measured: create, assert
  one fact, delete, 1,000 times: ~885 KB per cycle for 64 rules. The leak is the per-sid
  state (its pools grow with the rule count: ~80 KB + ~13 KB per rule), which
  `delete_ruleset` does not free; calling `delete_state(sid)` first cuts it to ~1.2 KB (64
  rules), 0.37 KB (32), 0.1 KB (16) per cycle, against ~0.2 KB for create+delete alone.
  So shards are content-addressed (sha256 of their definition) and shared by evaluators: a
  reload reuses every unchanged shard and creates only the changed ones; a shard nobody
  uses is freed (delete_state, then delete_ruleset) when its last evaluator goes away.
  Reloading unchanged rules costs nothing; changing every rule of a 2,000-rule book leaks
  about 25 KB per reload. A child process replaced every N reloads was considered and
  rejected: a pipe round trip per signal costs as much as the whole evaluation budget.
"""

import contextlib
import hashlib
import itertools
import json
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import durable_rules_engine as _dr

SHARD_SIZE = 32
SID = "0"

_CODE = re.compile(r"error code: (\d+)")
# Names from durable's rules.h; the meaning of some numbers differs between versions.
_CODE_NAMES = {
    1: "out of memory", 2: "unexpected type", 3: "identifier too long", 4: "unexpected value",
    5: "unexpected name", 6: "rule limit exceeded", 7: "rule exists-limit exceeded",
    8: "rule beta limit exceeded", 9: "rule without qualifier", 101: "cannot parse value",
    102: "cannot parse string", 103: "cannot parse number", 104: "cannot parse object",
    105: "cannot parse array", 201: "event not handled", 202: "too many event properties",
    203: "max stack size", 204: "no id defined", 205: "invalid id", 206: "cannot parse path",
    207: "max node results", 208: "max result nodes", 209: "max command count",
    303: "no action available / result pool exhausted", 309: "state not found",
    401: "state cache full",
}


class DurableError(RuntimeError):
    """durable-rules failed; `code` is its number, the message names it."""

    def __init__(self, operation: str, raw: BaseException) -> None:
        found = _CODE.search(str(raw))
        self.code = int(found.group(1)) if found else None
        name = _CODE_NAMES.get(self.code or -1, "unknown error")
        super().__init__(f"durable-rules {operation} failed: {name} (code {self.code}): {raw}")


@dataclass(frozen=True)
class Slot:
    """One rule's structural conditions, as a shard will test them."""

    channels: tuple[str, ...] | None
    departments: tuple[str, ...] | None
    amount: tuple[tuple[str, float], ...]  # (operator, bound), operator in gt/gte/lt/lte
    text: bool  # the rule has a text condition: the fact must carry t<slot>


def _one_of(field: str, values: Sequence[str]) -> dict[str, object]:
    if len(values) == 1:
        return {field: values[0]}
    return {"$or": [{field: v} for v in values]}


def definition(slots: Sequence[Slot]) -> dict[str, object]:
    """Return the durable ruleset definition of a shard of at most SHARD_SIZE slots."""
    if not 0 < len(slots) <= SHARD_SIZE:
        raise ValueError(f"a shard holds 1..{SHARD_SIZE} rules, not {len(slots)}")
    rules: dict[str, object] = {}
    for number, slot in enumerate(slots):
        tests: list[dict[str, object]] = []
        if slot.channels:
            tests.append(_one_of("ch", slot.channels))
        if slot.departments:
            tests.append(_one_of("dp", slot.departments))
        tests.extend({f"${op}": {"amt": bound}} for op, bound in slot.amount)
        if slot.text or not tests:
            tests.append({f"t{number}": True})
        rules[f"r{number}"] = {"all": [{"m": {"$and": tests}}]}
    return rules


def _free(handle: int) -> None:
    """Drop a ruleset: its sid state first (that is what otherwise leaks), then the ruleset."""
    with contextlib.suppress(_dr.error):  # no state was ever created
        _dr.delete_state(handle, SID)
    _dr.delete_ruleset(handle)


class Shard:
    """One live durable ruleset; evaluate one fact at a time under its lock."""

    def __init__(self, digest: str, slots: Sequence[Slot]) -> None:
        self.digest = digest
        self.size = len(slots)
        self._channels = {c for s in slots for c in s.channels or ()}
        self._departments = {d for s in slots for d in s.departments or ()}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._used = False
        body = json.dumps(definition(slots), ensure_ascii=False)
        try:
            self._handle = _dr.create_ruleset(f"qf-{digest[:20]}", body)
        except _dr.error as error:
            raise DurableError("create_ruleset", error) from None
        weakref.finalize(self, _free, self._handle)

    def fact(
        self, channel: str, department: str | None, amount: float | None, texts: Iterable[int]
    ) -> dict[str, object]:
        """Return the small fact for one signal; unknown codes are left out, never passed."""
        fact: dict[str, object] = {"sid": SID}
        if channel in self._channels:
            fact["ch"] = channel
        if department is not None and department in self._departments:
            fact["dp"] = department
        if amount is not None:
            fact["amt"] = amount
        for number in texts:
            fact[f"t{number}"] = True
        return fact

    def fire(self, fact: dict[str, object]) -> list[int]:
        """Assert the fact, return the slots of every rule it matched, and retract it."""
        fired: list[int] = []
        with self._lock:
            fact["id"] = str(next(self._ids))
            body = json.dumps(fact, ensure_ascii=False)
            handle = self._handle
            self._used = True
            try:
                code, state = _dr.assert_fact(handle, body)
                if code == 0:
                    result = _dr.start_action_for_state(handle, state)
                    message = result[1] if result else None
                    while message:
                        fired.extend(int(name[1:]) for name in json.loads(message))
                        message = _dr.complete_and_start_action(handle, state)
                _dr.retract_fact(handle, body)
            except _dr.error as error:
                self._reset()
                raise DurableError("evaluate", error) from None
        return fired

    def facts_held(self) -> list[object]:
        """Return the facts durable still holds for the sid (always empty between calls)."""
        with self._lock:
            if not self._used:
                return []  # no state exists for the sid until the first fact
            return list(json.loads(_dr.get_facts(self._handle, SID)))

    def _reset(self) -> None:
        with contextlib.suppress(_dr.error):
            _dr.delete_state(self._handle, SID)


class ShardHost:
    """Content-addressed shards: equal definitions share one live ruleset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: weakref.WeakValueDictionary[str, Shard] = weakref.WeakValueDictionary()
        self.created = 0

    def shard(self, slots: Sequence[Slot]) -> Shard:
        """Return the live shard for these slots, creating it if none is alive."""
        body = json.dumps(definition(slots), sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(body.encode()).hexdigest()
        with self._lock:
            found = self._live.get(digest)
            if found is None:
                found = Shard(digest, slots)
                self._live[digest] = found
                self.created += 1
            return found

    def live_count(self) -> int:
        """Return how many shards are alive."""
        return len(self._live)


_default: ShardHost | None = None
_default_lock = threading.Lock()


def default_host() -> ShardHost:
    """Return the process's shard host, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ShardHost()
        return _default


def raw_durable_run(rules: Sequence[object], facts: Sequence[object]) -> int:
    """Post every signal's fact to every shard with no prefilter; return the match count.

    The benchmark's engine limit: the same compiled shards, each fact carrying every text
    boolean (computed without the keyword index), asserted to all shards one by one.
    """
    from warning.rules.amounts import to_fen
    from warning.rules.evaluator import _slot
    from warning.rules.text import TextIndex

    host = ShardHost()
    slots = [_slot(rule) for rule in rules]  # type: ignore[arg-type]
    shards = [host.shard(slots[i : i + SHARD_SIZE]) for i in range(0, len(slots), SHARD_SIZE)]
    texts = [TextIndex([getattr(rule, "when").text]) for rule in rules]  # noqa: B009
    matches = 0
    for fact in facts:
        haystack = f"{fact.title}\n{fact.text}"  # type: ignore[attr-defined]
        flags = [bool(index.candidates(haystack)[0]) for index in texts]
        for number, shard in enumerate(shards):
            base = number * SHARD_SIZE
            held = [i for i in range(shard.size) if flags[base + i]]
            amount = getattr(fact, "amount", None)
            fen = None if amount is None else to_fen(amount)  # slots hold integer fen
            body = shard.fact(fact.channel, fact.department, fen, held)  # type: ignore[attr-defined]
            matches += len(shard.fire(body))
    return matches
