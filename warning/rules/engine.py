"""The only module that talks to durable-rules; it runs inside the engine child process.

The parent never imports this module's durable side: `warning.rules.engine_process` starts
`main()` in a child (see its docstring for the wall). What durable-rules 2.0.28 does
(measured here) and how the shards make each failure impossible rather than rare:

- 512+ rules in one ruleset hang or fail with 303, and more than 64 rules matching one
  event fail with 303. Rules are cut into shards of SHARD_SIZE (32) rules, one ruleset each,
  so neither count can be reached.
- An *event* is consumed by the first rule it matches, so only one action ever comes out.
  Each signal is asserted as a *fact* (not consumed: every matching rule of the shard
  yields its own action), all actions are drained, then the fact is retracted. Nothing stays
  in durable between evaluations (a test asks the child for the facts held and finds none).
- Contexts (sids) are hashed to 32 bits and the 1,025th raises MemoryError. Every fact uses
  the one fixed sid "0"; repetition is counted by the caller from the database.
- Regexes over long text never match (65,535 bytes), wide character ranges crash, `$mt` is
  a full match. No text reaches durable: the text prefilter (text.py) runs first, and the
  fact carries only `ch`, `dp`, `amt` and one boolean `t<slot>` per rule whose text held.
- Errors are bare numbers: DurableError names them.
- Freeing is unsafe: `delete_state`/`delete_ruleset` on a used ruleset crashed the process
  (SIGSEGV, SIGABRT `free(): invalid size`), at a reload or at exit. Nothing here frees a
  ruleset, ever: a child holds one rule book's shards for its whole life and ends with
  `os._exit`, so the operating system reclaims everything at once.
"""

import json
import os
import re
import signal
import sys
from collections.abc import Iterable, Sequence

import durable_rules_engine as _dr

from warning.rules.slots import SHARD_SIZE, Request, Slot, definition
from warning.rules.wire import read_frame, write_frame

SID = "0"
# Fault injection for the tests: abort inside every Nth batch of each child, or inside the
# first batch (of any child) that finds and removes the named file.
ABORT_EVERY_ENV = "QINGFENG_ENGINE_ABORT_EVERY"
FAULT_FILE_ENV = "QINGFENG_ENGINE_FAULT_FILE"

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


class Shard:
    """One live durable ruleset, never freed; evaluate one fact at a time."""

    _names = 0

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.size = len(slots)
        self._channels = {c for s in slots for c in s.channels or ()}
        self._departments = {d for s in slots for d in s.departments or ()}
        self._ids = 0
        self._used = False
        Shard._names += 1
        body = json.dumps(definition(slots), ensure_ascii=False)
        try:
            self._handle = _dr.create_ruleset(f"qf-{Shard._names}", body)
        except _dr.error as error:
            raise DurableError("create_ruleset", error) from None

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
        self._ids += 1
        fact["id"] = str(self._ids)
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
            raise DurableError("evaluate", error) from None
        return fired

    def facts_held(self) -> list[object]:
        """Return the facts durable still holds for the sid (always empty between calls)."""
        if not self._used:
            return []  # no state exists for the sid until the first fact
        return list(json.loads(_dr.get_facts(self._handle, SID)))




def evaluate(shards: Sequence[Shard], requests: Sequence[Request]) -> list[list[int]]:
    """Fire every request's facts; return per request [shard, slot, shard, slot, ...]."""
    answers: list[list[int]] = []
    for channel, department, amount, posts in requests:
        fired: list[int] = []
        for number, slots in posts:
            shard = shards[number]
            for slot in shard.fire(shard.fact(channel, department, amount, slots)):
                fired += (number, slot)
        answers.append(fired)
    return answers


def _answer(shards: list[Shard], message: tuple[str, object], batches: int) -> object:
    kind, payload = message
    if kind == "load":
        shards[:] = [Shard(slots) for slots in payload]  # type: ignore[attr-defined]
        return len(shards)
    if kind == "size":
        return len(shards)
    if kind == "held":
        return [fact for shard in shards for fact in shard.facts_held()]
    _inject_fault(batches)
    return evaluate(shards, payload)  # type: ignore[arg-type]


def _inject_fault(batches: int) -> None:
    every = int(os.environ.get(ABORT_EVERY_ENV) or 0)
    if every and batches % every == 0:
        os.abort()
    fault = os.environ.get(FAULT_FILE_ENV)
    if fault:
        try:
            os.unlink(fault)
        except FileNotFoundError:
            return
        os.abort()


def main() -> None:
    """Serve load/evaluate requests on stdin/stdout until stdin closes, then exit at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the protocol
    sys.stdout = sys.stderr
    shards: list[Shard] = []
    batches = 0
    while True:
        try:
            message = read_frame(requests)
        except EOFError:
            break
        batches += message[0] == "evaluate"  # type: ignore[index]
        try:
            reply: tuple[str, object] = ("ok", _answer(shards, message, batches))  # type: ignore[arg-type]
        except DurableError as error:
            reply = ("error", str(error))
        write_frame(replies, reply)
    os._exit(0)  # no interpreter teardown: durable is never asked to free anything


def raw_durable_run(rules: Sequence[object], facts: Sequence[object]) -> int:
    """Post every signal's fact to every shard in-process, no skipping; return the matches.

    The benchmark's engine limit: all rules in shards (text-only ones too), each fact
    carrying every text boolean (from one text pass), asserted to every shard one by one.
    """
    from warning.rules.amounts import to_fen
    from warning.rules.evaluator import slot_of
    from warning.rules.text import TextIndex

    slots = [slot_of(rule) for rule in rules]  # type: ignore[arg-type]
    shards = [Shard(slots[i : i + SHARD_SIZE]) for i in range(0, len(slots), SHARD_SIZE)]
    text = TextIndex([getattr(rule, "when").text for rule in rules])  # noqa: B009
    matches = 0
    for fact in facts:
        held = set(text.candidates(f"{fact.title}\n{fact.text}")[0])  # type: ignore[attr-defined]
        for number, shard in enumerate(shards):
            base = number * SHARD_SIZE
            flags = [i for i in range(shard.size) if base + i in held]
            amount = getattr(fact, "amount", None)
            fen = None if amount is None else to_fen(amount)  # slots hold integer fen
            body = shard.fact(fact.channel, fact.department, fen, flags)  # type: ignore[attr-defined]
            matches += len(shard.fire(body))
    return matches
