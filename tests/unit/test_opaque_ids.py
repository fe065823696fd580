"""Warning ids are a keyed permutation of their sequence (warning.db.opaque_ids)."""

import itertools

import pytest

from warning.db.opaque_ids import ID_LIMIT, IdsExhausted, opaque_id

KEY = "5f" * 32


def _ids(first: int, count: int, *, key: str = KEY) -> list[int]:
    return [opaque_id(n, key=key, name="warnings")
            for n in range(first, first + count)]


def test_consecutive_numbers_get_distinct_ids_inside_the_range() -> None:
    ids = _ids(1, 50_000)
    assert len(set(ids)) == len(ids)
    assert all(0 < i < ID_LIMIT for i in ids)


def test_numbers_are_given_up_to_the_end_of_the_range_and_then_no_more() -> None:
    ids = _ids(ID_LIMIT - 2_000, 2_000)
    assert len(set(ids)) == len(ids)
    assert all(0 < i < ID_LIMIT for i in ids)
    for outside in (0, ID_LIMIT):
        with pytest.raises(IdsExhausted):
            opaque_id(outside, key=KEY, name="warnings")


def test_ids_in_sequence_tell_neither_order_nor_distance() -> None:
    ids = _ids(1, 2_000)
    rises = sum(b > a for a, b in itertools.pairwise(ids))
    assert 800 < rises < 1_200  # a random order rises half the time
    assert min(abs(b - a) for a, b in itertools.pairwise(ids)) > 1_000


def test_the_key_decides_the_ids_and_the_same_key_gives_the_same_ids() -> None:
    assert _ids(1, 100) == _ids(1, 100)
    other = _ids(1, 100, key="a0" * 32)
    assert sum(a == b for a, b in zip(_ids(1, 100), other, strict=True)) == 0
