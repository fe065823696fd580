"""A department cannot learn a handling record's id, which would count the proposals.

Records are numbered in sequence, and a proposal's record is opened when its petition
comes in. A department read its records' ids in the review's drill-down (`record_id`) and
the 台账 (处置记录编号), and could find them from its events' hashes (sha256 of what it
reads and the record's id): a gap between two of its records was a 待研判 it must not
know of. Now two worlds that differ only in a proposal the office holds, raised before
the department's warning, read the same on every route once times are blanked, and no
hash a department reads is a stored hash over some record id.
"""

from typing import Any

import pytest
from sqlalchemy import select, text

from tests.integration.test_triage_numbering import department_view, triaged
from tests.integration.triage_world import TriageWorld
from warning.db.models import HandlingEvent, HandlingRecord
from warning.domain.chain import event_hash

DEPARTMENT = "handler_a"
QUIET = "来信反映食堂菜价偏高"  # raises no rule: a signal and no record
SPLIT = "拆分采购规避招标"  # split-purchase (CG-002, audit only), issued to CGZX at intake


def _burn_warning_number(world: TriageWorld) -> None:
    """Take one warning number, as the proposal of the other world does."""
    with world.runtime.sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT nextval('warnings_numbers')"))
        else:
            session.execute(text("UPDATE id_counters SET last = last + 1 "
                                 "WHERE name = 'warnings'"))


def _build(worlds: Any, held: bool) -> tuple[TriageWorld, dict[str, int]]:
    """Log a petition (a proposal the office holds, or one raising nothing), then an audit
    finding issued to CGZX at intake; return the world and the finding's ids."""
    world = worlds("held" if held else "plain")
    if held:
        world.petition(1)  # bid-collusion about CGZX: 待研判
    else:
        assert world.petition(1, text=QUIET)[1] == []
        _burn_warning_number(world)
    signal_id, [warning_id] = world.petition(
        2, channel="audit", text=SPLIT, amount="20000", external_id="A-2")
    return world, {"warning": warning_id, "signal": signal_id}


@pytest.mark.slow
def test_a_held_proposal_changes_nothing_a_department_reads(worlds: Any) -> None:
    plain, plain_ids = _build(worlds, held=False)
    plain_view = department_view(plain, plain_ids)
    held, held_ids = _build(worlds, held=True)
    assert held_ids == plain_ids  # the same signal and warning numbers in both worlds
    with held.runtime.sessions() as session:
        record = session.scalar(select(HandlingRecord.id).where(
            HandlingRecord.warning_id == held_ids["warning"]))
    assert record == 2  # the proposal's record came first: the record ids differ
    held_view = department_view(held, held_ids)
    differs = sorted(k for k in plain_view if plain_view[k] != held_view.get(k))
    assert differs == []


def test_no_hash_a_department_reads_is_a_stored_hash_over_a_record_id(worlds: Any) -> None:
    world, ids = _build(worlds, held=True)
    client = world.client(DEPARTMENT)
    shown = client.get(f"/api/warnings/{ids['warning']}/events").json()
    with world.runtime.sessions() as session:
        first = session.scalars(select(HandlingEvent).join(
            HandlingRecord, HandlingRecord.id == HandlingEvent.record_id).where(
            HandlingRecord.warning_id == ids["warning"]).order_by(HandlingEvent.seq)).first()
    assert first is not None and shown[0]["action"] == first.action == "issue"
    fields = {"seq": first.seq, "action": first.action, "from_state": first.from_state,
              "to_state": first.to_state, "actor": first.actor, "comment": first.comment,
              "data": first.data or {}, "created_at": first.created_at}
    stored = {event_hash({**fields, "record_id": r}, "") for r in range(1, 5_001)}
    assert first.hash in stored  # the loop finds the stored hash: the office reads it
    assert shown[0]["hash"] not in stored
    office = world.client("office").get(f"/api/warnings/{ids['warning']}/events").json()
    assert office[0]["hash"] == first.hash


def test_a_department_reads_the_issue_after_triage_with_the_intakes_fields(worlds: Any) -> None:
    """The 下达 after 研判 also recorded its deadlines in the event's data, which the
    intake's 下达 does not: the keys alone told the department the warning was a
    proposal. It reads the intake's keys now (the deadlines are the record's)."""
    world = worlds("both")
    _, triaged_id = triaged(world, 1)
    _, [intake_id] = world.petition(2, channel="audit", text=SPLIT, amount="20000",
                                    external_id="A-2")
    client = world.client(DEPARTMENT)
    first = {w: client.get(f"/api/warnings/{w}/events").json()[0]
             for w in (triaged_id, intake_id)}
    assert first[triaged_id]["action"] == first[intake_id]["action"] == "issue"
    assert first[triaged_id]["from_state"] == first[intake_id]["from_state"] == ""
    assert sorted(first[triaged_id]["data"]) == sorted(first[intake_id]["data"])
