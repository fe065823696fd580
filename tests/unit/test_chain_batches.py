"""A batch's first events hash exactly as one event at a time would."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from warning.domain.chain import canonical, canonical_by_record, event_hash
from warning.handling.events import event_fields, first_events

WHEN = datetime(2026, 3, 2, 2, 0, 0, 5, tzinfo=UTC)
FIELDS = {"seq": 1, "action": "issue", "from_state": "", "to_state": "issued",
          "actor": "system:intake", "comment": "", "created_at": WHEN,
          "data": {"response": "talk", "receive_days": 3, "说明": None, "record_id": 7}}


@pytest.mark.parametrize("record_id", [0, 1, 7, 12345678901234])
def test_the_template_gives_the_canonical_json_of_each_record(record_id: int) -> None:
    assert canonical_by_record(FIELDS)(record_id) == canonical(
        {**FIELDS, "record_id": record_id})


def test_a_record_id_that_is_not_an_int_is_refused() -> None:
    with pytest.raises(TypeError):
        canonical_by_record(FIELDS)(True)  # type: ignore[arg-type]


def test_first_events_equal_event_fields_one_by_one() -> None:
    shanghai = timezone(timedelta(hours=8))
    datas = [{"response": "talk", "receive_days": 3}, {"response": "talk", "receive_days": 3},
             {"response": "rectification", "receive_days": 1},
             {"response": "talk", "receive_days": True}, {"nested": {"a": [1, 2]}}]
    batch = first_events(list(enumerate(datas, start=40)), action="issue", to_state="issued",
                         actor="system:intake", created_at=WHEN.astimezone(shanghai))
    one_by_one = [
        event_fields(record_id=record_id, seq=1, action="issue", from_state="",
                     to_state="issued", actor="system:intake", created_at=WHEN, prev_hash="",
                     data=data)
        for record_id, data in enumerate(datas, start=40)
    ]
    assert batch == one_by_one
    assert all(e["hash"] == event_hash(e, "") for e in batch)
    assert len({e["hash"] for e in batch}) == len(datas)
