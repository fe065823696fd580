"""督办 and 待办: a leader urges a record; each role's inbox holds what it can act on, in
the order its deadlines fall due; the overdue filter lists what the dashboard counts."""

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_api import make_app
from tests.integration.test_handling_fixtures import ISSUED_AT, World, build_world, new_warning
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.handling.overdue import scan_overdue


@pytest.fixture
def api(session_factory: sessionmaker[Session], tmp_path: Path) -> tuple[TestClient, World]:
    world = build_world(session_factory)
    return TestClient(make_app(session_factory, tmp_path / "files")), world


def _auth(world: World, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def _version(sessions: sessionmaker[Session], warning_id: int) -> int:
    with sessions() as session:
        return session.scalars(select(HandlingRecord.version)
                               .where(HandlingRecord.warning_id == warning_id)).one()


def test_a_leader_urges_a_record_the_department_owes_and_it_is_told(
    api: tuple[TestClient, World], session_factory: sessionmaker[Session],
) -> None:
    client, world = api
    wid = new_warning(session_factory, world, "A")
    urged = client.post(f"/api/warnings/{wid}/actions", headers=_auth(world, "leader"), json={
        "action": "urge", "version": _version(session_factory, wid),
        "comment": "请于本周五前签收并落实整改"})
    assert urged.status_code == 200, urged.text
    with session_factory() as session:
        event = session.scalars(select(HandlingEvent).where(HandlingEvent.action == "urge")).one()
        notices = session.scalars(select(Notice).where(Notice.kind == "urged")).all()
    assert event.actor == "user:leader" and event.comment == "请于本周五前签收并落实整改"
    assert event.to_state == event.from_state == "issued"
    assert [n.audience for n in notices] == [f"department:{world.departments['A']}"]
    assert "督办意见：请于本周五前签收并落实整改" in notices[0].body


def test_urging_needs_words_a_supervisor_and_a_record_still_owed(
    api: tuple[TestClient, World], session_factory: sessionmaker[Session],
) -> None:
    client, world = api
    wid = new_warning(session_factory, world, "A")
    version = _version(session_factory, wid)

    def urge(who: str, comment: str = "请抓紧") -> int:
        return client.post(f"/api/warnings/{wid}/actions", headers=_auth(world, who), json={
            "action": "urge", "version": version, "comment": comment}).status_code

    assert urge("leader", "") == 422
    assert urge("handler_a") == 403
    assert urge("reviewer") in (403, 404)
    assert urge("handler_b") == 404
    other = new_warning(session_factory, world, "C")  # not supervised by the leader
    assert client.post(f"/api/warnings/{other}/actions", headers=_auth(world, "leader"), json={
        "action": "urge", "version": _version(session_factory, other),
        "comment": "请抓紧"}).status_code == 404
    assert _version(session_factory, wid) == version


def test_each_inbox_holds_what_its_role_can_do_next_deadline_first(
    api: tuple[TestClient, World], session_factory: sessionmaker[Session],
) -> None:
    client, world = api
    late = new_warning(session_factory, world, "A", receive_days=5, report_days=20)
    soon = new_warning(session_factory, world, "A", receive_days=1, report_days=10)
    later_b = new_warning(session_factory, world, "B", receive_days=3, report_days=10)
    handler = client.get("/api/inbox", headers=_auth(world, "handler_a")).json()
    assert [i["warning_id"] for i in handler] == [soon, late]
    assert client.get("/api/inbox", headers=_auth(world, "reviewer")).json() == []
    assert client.get("/api/inbox", headers=_auth(world, "leader")).json() == []
    with transaction(session_factory) as session:
        scan_overdue(session, ISSUED_AT + timedelta(days=2, hours=1))  # soon's receipt lapsed
    leader = client.get("/api/inbox", headers=_auth(world, "leader")).json()
    assert [i["warning_id"] for i in leader] == [soon]
    assert later_b not in [i["warning_id"] for i in leader]
    # escalated to the office as well (防控办督办): there to urge, beside what it evaluates
    office = client.get("/api/inbox", headers=_auth(world, "office")).json()
    assert soon in [i["warning_id"] for i in office]
    assert {late, later_b}.isdisjoint(i["warning_id"] for i in office)


def test_the_overdue_filter_lists_what_the_dashboard_counts(
    api: tuple[TestClient, World], session_factory: sessionmaker[Session],
) -> None:
    from warning.queries.dashboard import overview
    from warning.queries.warnings import filtered_warnings
    from warning.services.list_filters import WarningFilters

    _, world = api
    soon = new_warning(session_factory, world, "A", receive_days=1)
    new_warning(session_factory, world, "A", receive_days=5)
    with transaction(session_factory) as session:
        scan_overdue(session, ISSUED_AT + timedelta(days=2, hours=1))
    office = world.principals["office"]
    with session_factory() as session:
        listed = [row[0].id for row in session.execute(
            filtered_warnings(office, WarningFilters(state="overdue")))]
        counted = overview(session, office, now=ISSUED_AT + timedelta(days=2)).overdue
    assert listed == [soon] and counted == 1
