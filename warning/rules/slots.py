"""Shards of rules as durable-rules will test them: the slots and their ruleset definition."""

from collections.abc import Sequence
from dataclasses import dataclass

SHARD_SIZE = 32

# A request is (channel, department, amount, ((shard number, (slot, ...)), ...));
# its answer is the (shard number, slot) pairs that fired, flattened.
Request = tuple[str, str | None, float | None, tuple[tuple[int, tuple[int, ...]], ...]]


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
