"""A signal that would be issued at once never waits on (or vanishes with) a proposal.

An audit finding on the same risk point and subject as an open petition proposal joins it
(one open warning per subject). Left a proposal, the finding would wait for the office's
研判, and vanish for the department if the office dismissed the petition. So the joined
proposal is issued at once, as the finding alone would have been: deadlines from then, the
`issue` event, the department's notice; what the petition said stays the office's.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.triage_world import COLLUSION, TriageWorld, build_triage_world
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.handling.audit import verify_chains
from warning.queries.warnings import find_warning
from warning.services.record_hooks import JOINED
from warning.services.signal_input import SignalIn


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _audit(n: int, **fields: object) -> SignalIn:
    values: dict[str, object] = {"channel": "audit", "department": "CGZX",
                                 "title": f"审计发现{n}", "text": COLLUSION.format(n=n),
                                 "external_id": f"A-{n}"}
    return SignalIn(**(values | fields))  # type: ignore[arg-type]


def _state(world: TriageWorld, warning_id: int) -> tuple[str, list[str], list[str]]:
    with world.runtime.sessions() as session:
        record = session.scalars(select(HandlingRecord)
                                 .where(HandlingRecord.warning_id == warning_id)).one()
        actions = list(session.scalars(select(HandlingEvent.action)
                                       .where(HandlingEvent.record_id == record.id)
                                       .order_by(HandlingEvent.seq)))
        notices = list(session.scalars(select(Notice.kind)
                                       .where(Notice.record_id == record.id)))
        assert verify_chains(session) == []
        return record.state, actions, notices


def test_an_audit_finding_joining_a_stored_proposal_issues_it(world: TriageWorld) -> None:
    _, [proposal] = world.petition(1)
    assert _state(world, proposal)[0] == "proposed"
    outcome = world.runtime.intake.ingest([_audit(1)])[0]
    assert [w.id for w in outcome.warnings] == [proposal]
    state, actions, notices = _state(world, proposal)
    assert state == "issued"
    assert actions[0] == "propose" and actions.count("issue") == 1  # (and a regrade: 2 hits)
    assert notices == ["issued"]
    with world.runtime.sessions() as session:
        record = session.scalars(select(HandlingRecord)
                                 .where(HandlingRecord.warning_id == proposal)).one()
        assert record.receive_due_at is not None and record.triage_due_at is None
        assert find_warning(session, world.principals["handler_a"], proposal) is not None


def test_one_batch_with_a_petition_then_an_audit_finding_issues_at_once(
    world: TriageWorld,
) -> None:
    petition = SignalIn(channel="petition", department="CGZX", title="举报2",
                        text=COLLUSION.format(n=2), external_id="T-2")
    outcomes = world.runtime.intake.ingest([petition, _audit(2)])
    [warning_id] = {w.id for o in outcomes for w in o.warnings}
    state, actions, notices = _state(world, warning_id)
    assert state == "issued" and actions[0] == "issue" and "propose" not in actions
    assert notices == ["issued"]


def test_more_petitions_joining_a_proposal_leave_it_a_proposal(world: TriageWorld) -> None:
    _, [proposal] = world.petition(3)
    _, [again] = world.petition(4)
    assert again == proposal
    state, actions, notices = _state(world, proposal)
    assert state == "proposed" and "issue" not in actions and notices == []


def test_an_audit_finding_joining_an_issued_warning_changes_nothing_more(
    world: TriageWorld,
) -> None:
    first = world.runtime.intake.ingest([_audit(5)])[0]
    [warning_id] = [w.id for w in first.warnings]
    world.runtime.intake.ingest([_audit(6)])
    state, actions, notices = _state(world, warning_id)
    assert state == "issued" and actions.count("issue") == 1 and notices == ["issued"]


def test_the_department_is_not_told_a_proposal_waited(world: TriageWorld) -> None:
    """The 下达 of a proposal reads like the intake's own for the department: its API and
    page show no comment or data saying a 研判 was pending (the office's alone)."""
    _, [proposal] = world.petition(7)
    world.runtime.intake.ingest([_audit(7)])
    handler = world.client("handler_a")
    events = handler.get(f"/api/warnings/{proposal}/events").json()
    assert [e["action"] for e in events] == ["issue"]
    [issued] = events
    assert issued["comment"] == "" and issued["from_state"] == ""
    assert "after_triage" not in issued["data"] and "joined" not in issued["data"]
    for url in (f"/warnings/{proposal}", f"/warnings/{proposal}/print"):
        page = handler.get(url).text
        assert JOINED not in page and "待研判预警" not in page, url
    office = world.client("office")
    [mine] = [e for e in office.get(f"/api/warnings/{proposal}/events").json()
              if e["action"] == "issue"]
    assert mine["data"]["joined"] == JOINED and mine["data"]["after_triage"] is False
    assert JOINED in office.get(f"/warnings/{proposal}").text
