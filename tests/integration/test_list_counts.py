"""The lists' lean counts (bench/page_bench.py): the pager counts what the page lists, for
every role and filter, stops at a cap, and the 待办 page lists the records due next."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import (
    ISSUED_AT,
    World,
    build_world,
    bulk_warnings,
    new_warning,
)
from warning.db.engine import transaction
from warning.db.models import Channel, Signal
from warning.queries.counting import count_of
from warning.queries.inbox import inbox_overdue, inbox_rows
from warning.queries.signals import signals_counted, signals_query
from warning.queries.warnings import filtered_warnings, warnings_counted
from warning.services.list_filters import SignalFilters, WarningFilters
from warning.web.pages.render import paginate

# the module (warning.web.pages re-exports a function of the same name)
render = importlib.import_module("warning.web.pages.render")
ROLES = ("admin", "office", "handler_a", "handler_b", "leader", "reviewer")


def _world(sessions: sessionmaker[Session]) -> World:
    world = build_world(sessions)
    with transaction(sessions) as session:
        audit = Channel(code="audit", name="审计", kind="file")
        session.add(audit)
        session.flush()
        for n, dept in enumerate(["A", "A", "B", "C", None, "A", "B"]):
            session.add(Signal(channel_id=audit.id, external_id=f"AU{n}", title=f"审计发现{n}",
                               department_id=world.departments[dept] if dept else None,
                               status="evaluated" if n % 2 else "received"))
        session.add(Signal(channel_id=world_channel(session, "petition"), external_id="S2",
                           title="来信二", department_id=world.departments["A"]))
    for dept in ("A", "A", "B", "C"):
        new_warning(sessions, world, dept)
    return world


def world_channel(session: Session, code: str) -> int:
    return session.scalars(select(Channel.id).where(Channel.code == code)).one()


@pytest.mark.parametrize("filters", [
    SignalFilters(), SignalFilters(channel="audit"), SignalFilters(channel="petition"),
    SignalFilters(department="A"), SignalFilters(department="B", status="evaluated"),
    SignalFilters(q="审计发现"), SignalFilters(channel="nowhere"),
])
def test_the_signal_count_is_the_listed_rows_for_every_role(
    session_factory: sessionmaker[Session], filters: SignalFilters,
) -> None:
    world = _world(session_factory)
    with session_factory() as session:
        for name in ROLES:
            principal = world.principals[name]
            listed = len(session.execute(signals_query(principal, filters)).all())
            assert count_of(session, signals_counted(principal, filters)) == listed, name


@pytest.mark.parametrize("filters", [
    WarningFilters(), WarningFilters(department="A"), WarningFilters(state="open"),
    WarningFilters(state="overdue"), WarningFilters(response="rectification"),
    WarningFilters(risk_point="P1", department="B"), WarningFilters(risk_point="nothing"),
])
def test_the_warning_count_is_the_listed_rows_for_every_role(
    session_factory: sessionmaker[Session], filters: WarningFilters,
) -> None:
    world = _world(session_factory)
    with session_factory() as session:
        for name in ROLES:
            principal = world.principals[name]
            listed = len(session.execute(filtered_warnings(principal, filters)).all())
            assert count_of(session, warnings_counted(principal, filters)) == listed, name


def test_the_pager_stops_counting_at_the_cap_and_says_so(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = _world(session_factory)
    office, filters = world.principals["office"], WarningFilters()
    monkeypatch.setattr(render, "COUNT_CAP", 3)
    with session_factory() as session:
        rows, pager = paginate(session, filtered_warnings(office, filters), 9, per_page=2,
                               counted=warnings_counted(office, filters))
        assert (pager.total, pager.more, pager.pages, pager.page) == (3, True, 2, 2)
        assert len(rows) == 2
        monkeypatch.setattr(render, "COUNT_CAP", 4)
        _, exact = paginate(session, filtered_warnings(office, filters), 1, per_page=2,
                            counted=warnings_counted(office, filters))
        assert (exact.total, exact.more) == (4, False)


def test_the_inbox_lists_the_records_due_next_up_to_its_limit(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    soonest = new_warning(session_factory, world, "A", receive_days=1)  # before explicit ids
    with transaction(session_factory) as session:
        bulk_warnings(session, world, 5, ISSUED_AT + timedelta(days=3))
    with session_factory() as session:
        rows = inbox_rows(session, world.principals["handler_a"], limit=2)
        assert len(rows) == 2 and rows[0].warning.id == soonest
        assert len(inbox_rows(session, world.principals["handler_a"])) == 6


def test_the_inbox_overdue_count_covers_records_beyond_the_page(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    with transaction(session_factory) as session:
        bulk_warnings(session, world, 5, ISSUED_AT + timedelta(days=3))  # overdue long since
        bulk_warnings(session, world, 2, datetime.now(UTC) + timedelta(days=30))  # not yet due
    with session_factory() as session:
        shown = inbox_rows(session, world.principals["handler_a"], limit=2)
        assert all(row.overdue for row in shown)
        assert inbox_overdue(session, world.principals["handler_a"]) == 5
        assert inbox_overdue(session, world.principals["handler_b"]) == 0
        assert inbox_overdue(session, world.principals["reviewer"]) == 0
