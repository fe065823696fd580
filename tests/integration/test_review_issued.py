"""The review counts a proposal (研判) in the quarter it was issued (下达), not raised: its
新下达 count, trend, drill-down, ledger 下达时间 and receipt time all read the issue."""

import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.engine import transaction
from warning.db.models import HandlingRecord, RiskWarning
from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import Action
from warning.domain.quarter import Quarter
from warning.exports.limits import local
from warning.handling.records import act
from warning.review.drill import Drill, Figure, drill_page
from warning.review.figures import build_review
from warning.review.ledger import ledger_rows
from warning.review.period import Period
from warning.triage.decisions import issue

MIGRATION = (Path(__file__).resolve().parents[2] / "warning" / "db" / "migrations" / "versions"
             / "0010a_record_issued_at.py")
RAISED = datetime(2026, 6, 20, 2, 0, tzinfo=UTC)  # 2026Q2 in Shanghai
ISSUED = datetime(2026, 7, 6, 2, 0, tzinfo=UTC)  # 2026Q3: the office issues it after 研判
LATER = datetime(2026, 10, 10, tzinfo=UTC)
Q2, Q3 = Quarter(2026, 2), Quarter(2026, 3)


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def test_a_proposal_counts_as_new_in_the_quarter_it_was_issued(world: TriageWorld) -> None:
    _, [wid] = world.petition(1)
    with transaction(world.runtime.sessions) as session:  # raised in Q2
        session.execute(update(RiskWarning).where(RiskWarning.id == wid)
                        .values(created_at=RAISED))
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=wid, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=ISSUED)
    with transaction(world.runtime.sessions) as session:
        # the version as the department reads it: counted from the 下达 (0010b)
        version = session.scalars(select(HandlingRecord.version - HandlingRecord.triage_version)
                                  .where(HandlingRecord.warning_id == wid)).one()
        act(session, warning_id=wid, principal=world.principals["handler_a"],
            action=Action.RECEIVE, version=version, now=ISSUED + timedelta(hours=5))
    with world.runtime.sessions() as session:
        assert session.scalars(select(HandlingRecord.issued_at)
                               .where(HandlingRecord.warning_id == wid)).one() == ISSUED
        q2 = build_review(session, principal=None, quarter=Q2, now=LATER)
        q3 = build_review(session, principal=None, quarter=Q3, now=LATER)
        q2_ledger = list(ledger_rows(session, principal=None, period=Period.of(Q2, LATER)))
        q3_ledger = list(ledger_rows(session, principal=None, period=Period.of(Q3, LATER)))
        drilled = drill_page(session, principal=None, period=Period.of(Q3, LATER),
                             drill=Drill(Figure.WARNINGS))
    assert q2.summary.warnings == 0 and q2.trends.trend[-1].warnings == 0
    assert q3.summary.warnings == 1 and q3.trends.trend[-1].warnings == 1
    assert [(d.department, d.warnings) for d in q3.warnings_by_department] == [("CGZX", 1)]
    assert drilled.total == 1 and [r.warning_id for r in drilled.rows] == [wid]
    assert q3.trends.timings.received == 1
    assert q3.trends.timings.receipt_median_hours == 5.0  # from the issue, not the raising
    assert q2_ledger == []  # still with the office at Q2's end: no department's record yet
    assert [(row[0], row[1]) for row in q3_ledger] == [(wid, local(ISSUED, SHANGHAI))]


def test_the_migration_backfills_the_issue_time_from_the_issue_event(
    world: TriageWorld,
) -> None:
    spec = importlib.util.spec_from_file_location("m0010a", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    _, [issued] = world.petition(2)
    _, [waiting] = world.petition(3, person="李四")
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=issued, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=ISSUED)
    with transaction(world.runtime.sessions) as session:
        session.execute(update(HandlingRecord).values(issued_at=None))
        for statement in migration.BACKFILL:
            session.execute(text(statement))
    with world.runtime.sessions() as session:
        stored = dict(session.execute(select(HandlingRecord.warning_id,
                                             HandlingRecord.issued_at)).all())
    assert stored == {issued: ISSUED, waiting: None}


def test_a_signal_that_reached_only_a_proposal_raised_no_warning(world: TriageWorld) -> None:
    """信号·引发预警 counts issued warnings only: a reviewer comparing it with the warnings
    they see would otherwise learn of proposals waiting or dismissed."""
    _, [wid] = world.petition(4)
    now = datetime.now(UTC)
    quarter = Quarter.containing(now, SHANGHAI)

    def raised(role: str) -> int:
        with world.runtime.sessions() as session:
            review = build_review(session, principal=world.principals[role], quarter=quarter,
                                  now=now)
        return sum(c.raised for c in review.signals_by_channel if c.channel == "petition")

    assert raised("reviewer") == 0 and raised("office") == 0
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=wid, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=now)
    assert raised("reviewer") == 1 and raised("office") == 1


def test_the_drill_of_new_warnings_shows_when_each_was_issued(world: TriageWorld) -> None:
    """The 新下达 drill-down lists a quarter's issued warnings under 下达时间: the issue,
    not the raising a quarter earlier (API and page)."""
    _, [wid] = world.petition(5)
    with transaction(world.runtime.sessions) as session:
        session.execute(update(RiskWarning).where(RiskWarning.id == wid)
                        .values(created_at=RAISED))
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=wid, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=ISSUED)
    office = world.client("office")
    [row] = office.get("/api/review/drill?quarter=2026Q3&figure=warnings").json()["items"]
    assert row["warning_id"] == wid
    assert datetime.fromisoformat(row["issued_at"]) == ISSUED
    page = office.get("/review/drill?quarter=2026Q3&figure=warnings").text
    assert "2026-07-06 10:00" in page and "2026-06-20" not in page


@pytest.mark.parametrize("role", ["leader_a", "handler_a"])
def test_the_drill_shows_a_department_no_time_from_before_the_issue(
    world: TriageWorld, role: str,
) -> None:
    """A department reader of the drill-down reads the warning as raised when it was
    issued: the raising a quarter earlier, in 研判, is the office's (API and page)."""
    _, [wid] = world.petition(6)
    with transaction(world.runtime.sessions) as session:
        session.execute(update(RiskWarning).where(RiskWarning.id == wid)
                        .values(created_at=RAISED))
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=wid, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=ISSUED)
    client = world.client(role)
    drilled = client.get("/api/review/drill?quarter=2026Q3&figure=warnings")
    assert drilled.status_code == 200, drilled.text
    [row] = drilled.json()["items"]
    assert row["warning_id"] == wid and "2026-06-20" not in drilled.text
    assert datetime.fromisoformat(row["created_at"]) == ISSUED
    page = client.get("/review/drill?quarter=2026Q3&figure=warnings").text
    assert "2026-07-06 10:00" in page and "2026-06-20" not in page
