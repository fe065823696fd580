"""A record goes through its whole lifecycle; every step is an event, notices go out."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import ISSUED_AT, build_world, new_warning
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, HandlingRecord, Notice, RiskWarning
from warning.domain.lifecycle import TransitionNotAllowed
from warning.handling.audit import verify_chains
from warning.handling.errors import Conflict, NotFound
from warning.handling.records import Acted, act, events_of, inbox


def _do(sessions: sessionmaker[Session], **kwargs: object) -> Acted:
    with transaction(sessions) as session:
        return act(session, **kwargs)  # type: ignore[arg-type]


def _record(sessions: sessionmaker[Session], warning_id: int) -> HandlingRecord:
    with sessions() as session:
        return session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == warning_id)
        ).one()


def test_open_record_sets_deadlines_event_and_notice(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    record = _record(session_factory, wid)
    # Issued Monday 2026-03-02 10:00 +08: receive by Tue 03-03, report by Mon 03-09 end of day.
    assert record.receive_due_at == datetime(2026, 3, 3, 15, 59, 59, 999_999, tzinfo=UTC)
    assert record.report_due_at == datetime(2026, 3, 9, 15, 59, 59, 999_999, tzinfo=UTC)
    with session_factory() as session:
        events = session.scalars(select(HandlingEvent)).all()
        notices = session.scalars(select(Notice)).all()
    assert [(e.seq, e.action, e.to_state, e.prev_hash) for e in events] == [
        (1, "issue", "issued", "")
    ]
    assert [(n.kind, n.audience) for n in notices] == [
        ("issued", f"department:{world.departments['A']}")
    ]
    assert "举报人" not in notices[0].body and "13800000000" not in notices[0].body
    assert "物资采购中串通投标" in notices[0].body


def test_full_lifecycle_with_a_return(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    handler, office = world.principals["handler_a"], world.principals["office"]
    steps = [
        (handler, "receive", {}),
        (handler, "assign", {"responsible_person": "李四"}),
        (handler, "report", {"comment": "已完成整改", "attachments": [
            {"filename": "报告.pdf", "size": 10, "sha256": "ab" * 32}]}),
        (office, "return", {"comment": "整改不彻底"}),
        (handler, "report", {"comment": "补充整改"}),
        (office, "accept", {}),
    ]
    for principal, action, extra in steps:
        version = _record(session_factory, wid).version
        _do(session_factory, warning_id=wid, principal=principal, action=action,
            version=version, now=ISSUED_AT, **extra)
    record = _record(session_factory, wid)
    assert record.state == "closed" and record.closed_at is not None
    assert record.responsible_person == "李四"
    with session_factory() as session:
        events = events_of(session, warning_id=wid, principal=office)
        assert session.get_one(RiskWarning, wid).is_open is False
        kinds = sorted(n.kind for n in session.scalars(select(Notice)))
        assert verify_chains(session) == []
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("issue", "", "issued"), ("receive", "issued", "received"),
        ("assign", "received", "in_progress"), ("report", "in_progress", "reported"),
        ("return", "reported", "in_progress"), ("report", "in_progress", "reported"),
        ("accept", "reported", "closed"),
    ]
    assert events[3].data["attachments"][0]["filename"] == "报告.pdf"
    assert events[4].comment == "整改不彻底" and events[4].actor == "user:office"
    assert kinds == ["closed", "issued", "returned"]
    assert [e.seq for e in events] == list(range(1, 8))


def test_an_action_answers_the_new_state_and_refreshes_what_the_caller_loaded(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    with session_factory() as session:
        record = session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == wid)).one()
        warning = session.get_one(RiskWarning, wid)
        acted = act(session, warning_id=wid, principal=world.principals["office"],
                    action="withdraw", version=1, comment="误报")
        session.commit()
        assert (acted.state, acted.version, acted.event.seq) == ("withdrawn", 2, 2)
        assert (record.state, record.version, warning.is_open) == ("withdrawn", 2, False)
        assert record.closed_at is not None


def test_refusals_leave_the_record_unchanged(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    handler = world.principals["handler_a"]
    with pytest.raises(TransitionNotAllowed):
        _do(session_factory, warning_id=wid, principal=handler, action="report", version=1,
            comment="x")
    with pytest.raises(Conflict) as caught:
        _do(session_factory, warning_id=wid, principal=handler, action="receive", version=99)
    assert caught.value.details["state"] == "issued" and caught.value.version == 1
    with pytest.raises(NotFound):
        _do(session_factory, warning_id=wid, principal=world.principals["handler_b"],
            action="receive", version=1)
    record = _record(session_factory, wid)
    assert (record.state, record.version) == ("issued", 1)
    with session_factory() as session:
        assert len(session.scalars(select(HandlingEvent)).all()) == 1


def test_withdraw_needs_a_reason_and_closes_the_warning(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    office = world.principals["office"]
    _do(session_factory, warning_id=wid, principal=office, action="withdraw", version=1,
        comment="误报，撤销")
    record = _record(session_factory, wid)
    assert record.state == "withdrawn"
    with session_factory() as session:
        assert inbox(session, principal=world.principals["handler_a"]) == []


def test_inbox_is_scoped_and_shows_what_awaits_the_caller(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    a, b = new_warning(session_factory, world, "A"), new_warning(session_factory, world, "B")
    c = new_warning(session_factory, world, "C")
    with session_factory() as session:
        def ids(name: str) -> list[int]:
            return [w.id for w, _ in inbox(session, principal=world.principals[name])]

        assert ids("handler_a") == [a]
        assert ids("handler_b") == [b]
        assert ids("leader") == []  # a leader's 待办: overdue records to urge; none yet
        assert ids("office") == []  # nothing reported yet
        assert ids("reviewer") == []  # a reviewer acts on no record
        assert c not in ids("handler_a") + ids("handler_b")
