"""下达时间 is when a warning was issued to its department, wherever it is shown.

A proposal (研判) raised on Monday and issued on Thursday was listed, exported and found
by search with Monday's time under 下达时间. Every place now shows the record's issue
time, and a proposal still waiting shows 待研判 instead of a time.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.integration.triage_world import TriageWorld, build_triage_world

RAISED = datetime(2026, 9, 7, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
ISSUED = RAISED + timedelta(days=3, hours=5)  # Thursday 14:30


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _shown(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def _raise_then_issue(world: TriageWorld) -> int:
    """A petition raises a proposal on Monday; the office issues it (下达) on Thursday."""
    from warning.db.engine import transaction
    from warning.triage.decisions import issue

    world.runtime.intake.clock = lambda: RAISED
    _, [proposal] = world.petition(1)
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=proposal, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading, now=ISSUED)
    return proposal


def test_a_waiting_proposal_has_no_issue_time(world: TriageWorld) -> None:
    world.runtime.intake.clock = lambda: RAISED
    _, [proposal] = world.petition(2)
    office = world.client("office")
    body = office.get(f"/api/warnings/{proposal}").json()
    assert body["issued_at"] is None and body["created_at"].startswith("2026-09-07T01:30")
    page = office.get("/warnings").text
    assert "待研判" in page and _shown(RAISED) not in page


@pytest.mark.parametrize("role", ["office", "handler_a"])
def test_the_issue_time_is_shown_as_issued(world: TriageWorld, role: str) -> None:
    warning_id = _raise_then_issue(world)
    client = world.client(role)
    body = client.get(f"/api/warnings/{warning_id}").json()
    assert datetime.fromisoformat(body["issued_at"]) == ISSUED
    raised = RAISED if role == "office" else ISSUED  # see the test below
    assert datetime.fromisoformat(body["created_at"]) == raised
    listed = client.get("/api/warnings").json()["items"]
    assert [datetime.fromisoformat(w["issued_at"]) for w in listed] == [ISSUED]
    listed_page = client.get("/warnings").text
    assert _shown(ISSUED) in listed_page and _shown(RAISED) not in listed_page
    detail = client.get(f"/warnings/{warning_id}").text
    assert f"下达于 {_shown(ISSUED)}" in detail
    found = client.get("/search", params={"q": "CG-001"}).text  # by risk point
    assert f"#{warning_id}" in found and _shown(ISSUED) in found
    exported = client.get("/api/warnings/export?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    column = rows[0].index("下达时间")
    assert [row[column] for row in rows[1:]] == [_shown(ISSUED)]


@pytest.mark.parametrize("role", ["handler_a", "leader_a", "reviewer"])
def test_who_never_sees_proposals_does_not_learn_when_one_was_raised(
    world: TriageWorld, role: str,
) -> None:
    """A proposal's own time is when the petition behind it came in, and that it waited for
    研判: those who never see proposals read the warning as raised when it was issued."""
    warning_id = _raise_then_issue(world)
    client = world.client(role)
    detail = client.get(f"/api/warnings/{warning_id}").json()
    [listed] = client.get("/api/warnings").json()["items"]
    for body in (detail, listed):
        assert datetime.fromisoformat(body["created_at"]) == ISSUED, body
    office = world.client("office").get(f"/api/warnings/{warning_id}").json()
    assert datetime.fromisoformat(office["created_at"]) == RAISED


def test_a_dismissed_proposal_is_not_shown_as_waiting(world: TriageWorld) -> None:
    """A proposal the office dismissed was never issued, and waits for nobody: its 下达时间
    is empty (—), not 待研判, wherever it is listed."""
    from warning.db.engine import transaction
    from warning.triage.decisions import dismiss

    world.runtime.intake.clock = lambda: RAISED
    _, [proposal] = world.petition(3)
    with transaction(world.runtime.sessions) as session:
        dismiss(session, warning_id=proposal, principal=world.principals["office"],
                comment="经核查不属实")
    office = world.client("office")
    listed = office.get("/warnings", params={"state": "dismissed"}).text
    assert f"#{proposal}" in listed and "待研判" not in listed.split("<tbody>", 1)[1]
    found = office.get("/search", params={"q": "CG-001"}).text
    assert f"#{proposal}" in found and "待研判" not in found.split("<tbody>", 1)[1]
