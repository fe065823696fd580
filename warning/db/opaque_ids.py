"""Opaque ids: a keyed permutation of a sequence, so an id tells nothing of the ids between.

A warning's id is read by the department it concerns, on every list, page, export, notice
and URL. Numbered in order, two of its warnings numbered 31 and 33 would tell it that a 32
exists between them: a petition about it the office holds (待研判), or dismissed. So the
stored id is not the sequence number n but P(n), a permutation of 1..2³¹-1 keyed by a secret
kept in the database (`id_counters.key`). Without the key, ids in raise order look like
random numbers: neither their order nor their distances say anything.

P is a balanced Feistel network over 32 bits, six rounds, each round function a table of
65,536 random 16-bit values drawn from SHAKE-256 over the key (a keyed random function,
~1 ms to draw once a process), walked in a cycle until the value falls inside the id range
1..2³¹-1 (PostgreSQL's `integer`). The walk keeps P a permutation of that range, so
distinct sequence numbers never share an id. Ids stored before (given in sequence before
migration 0011a) are passed over where they are drawn (warning.db.id_counters).
"""

import hashlib
import sys
from array import array
from functools import lru_cache

ID_LIMIT = 2**31  # exclusive: PostgreSQL's integer
ROUNDS = 6
_HALF = 16
_MASK = (1 << _HALF) - 1


class IdsExhausted(RuntimeError):
    """Every id of the range has been given."""


@lru_cache(maxsize=8)
def _round_tables(key: str, name: str) -> tuple[array, ...]:
    stream = hashlib.shake_256(f"qingfeng-opaque-ids\0{name}\0{key}".encode()).digest(
        ROUNDS * 2 * (1 << _HALF))
    tables = []
    for number in range(ROUNDS):
        table = array("H")
        table.frombytes(stream[number * 2 << _HALF : (number + 1) * 2 << _HALF])
        if sys.byteorder == "big":
            table.byteswap()  # the same ids on every machine sharing the database
        tables.append(table)
    return tuple(tables)


def _feistel(value: int, tables: tuple[array, ...]) -> int:
    left, right = value >> _HALF, value & _MASK
    for table in tables:
        left, right = right, left ^ table[right]
    return (left << _HALF) | right


def opaque_id(sequence: int, *, key: str, name: str) -> int:
    """Return the id of the `sequence`-th row of table `name`, in 1..ID_LIMIT-1."""
    if not 0 < sequence < ID_LIMIT:
        raise IdsExhausted(f"{name}: sequence number {sequence} is outside 1..{ID_LIMIT - 1}")
    tables = _round_tables(key, name)
    value = _feistel(sequence, tables)
    while not 0 < value < ID_LIMIT:
        value = _feistel(value, tables)
    return value
