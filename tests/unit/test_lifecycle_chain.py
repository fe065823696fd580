"""Event hashes cover every field and the previous hash."""

from datetime import UTC, datetime

from warning.domain.chain import event_hash

FIELDS = {"record_id": 1, "seq": 1, "action": "issue", "from_state": "", "to_state": "issued",
          "actor": "system", "comment": "", "data": {"b": 1, "a": "中"},
          "created_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC)}


def test_hash_is_stable_and_ignores_key_order() -> None:
    reordered = dict(reversed(list(FIELDS.items())), data={"a": "中", "b": 1})
    assert event_hash(FIELDS, "") == event_hash(reordered, "")


def test_any_change_or_other_prev_hash_changes_the_hash() -> None:
    base = event_hash(FIELDS, "")
    assert event_hash({**FIELDS, "comment": "x"}, "") != base
    assert event_hash({**FIELDS, "data": {"a": "中", "b": 2}}, "") != base
    assert event_hash(FIELDS, "0" * 64) != base
