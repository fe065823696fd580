"""The review counts a warning raised after 研判 in the quarter it was issued (下达).

A proposal is raised when its petition comes in and waits for the office; a department, a
leader or a reviewer never sees it until it is issued, and then reads it as raised when it
was issued (`shown_raised_at`). Had the review counted it by its own time, last quarter's
hot risk points, repeat subjects and their drill-downs would grow by a warning those readers
were told of this quarter, and say when the petition came in. Every review route, as each
reader who never sees proposals, must read last quarter exactly as before the issue.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.integration.test_route_authz import VOLATILE, _text, route_table
from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.models import RiskWarning, Signal
from warning.domain.calendar import SHANGHAI
from warning.domain.quarter import Quarter
from warning.review.drill import Figure

READERS = ("handler_a", "leader_a")
# Departments see no petition at all: every figure of the quarter stays. The reviewer and the
# office see that the petition came in then (its signal): their warning figures stay.
WARNING_FIGURES = ("hot_risk_points", "repeat_subjects", "warnings_by_department",
                   "warnings_by_category", "warnings_by_level", "warnings_by_response")


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _urls(world: TriageWorld, quarter: Quarter) -> list[str]:
    paths = sorted({path for method, path in route_table(world.client("office").app)
                    if method == "GET" and "review" in path and "{" not in path})
    assert {"/review", "/review/drill", "/api/review", "/api/review/drill"} <= set(paths)
    urls = []
    for path in paths:
        if path.endswith("/drill"):
            urls += [f"{path}?quarter={quarter}&figure={f.value}&limit=500" for f in Figure]
        elif path.endswith("/export"):
            urls += [f"{path}?quarter={quarter}&format={f}" for f in ("xlsx", "docx")]
        else:
            urls.append(f"{path}?quarter={quarter}")
    return urls


def _read(world: TriageWorld, role: str, urls: list[str]) -> dict[str, tuple[int, str]]:
    client = world.client(role)
    return {url: (answer.status_code, VOLATILE.sub("~", _text(answer)))
            for url in urls for answer in [client.get(url)]}


def test_last_quarter_reads_the_same_once_a_proposal_from_it_is_issued(
    world: TriageWorld,
) -> None:
    last = Quarter.containing(datetime.now(UTC)).previous()
    came_in = last.starts_at(SHANGHAI) + timedelta(days=1)
    urls = _urls(world, last)
    before = {role: _read(world, role, urls) for role in READERS}
    figures_before = {role: world.client(role).get(f"/api/review?quarter={last}").json()
                      for role in ("reviewer", "office")}
    signal_id, [warning_id] = world.petition(1)
    with world.runtime.sessions() as session, session.begin():
        session.execute(update(Signal).where(Signal.id == signal_id).values(received_at=came_in))
        session.execute(update(RiskWarning).where(RiskWarning.id == warning_id)
                        .values(created_at=came_in))
    issued = world.client("office").post(f"/api/warnings/{warning_id}/triage",
                                         json={"decision": "issue", "comment": "属实"})
    assert issued.status_code == 200, issued.text
    for role in ("handler_a", "leader_a"):
        after = _read(world, role, urls)
        assert [url for url in urls if before[role][url] != after[url]] == [], role
    for role, figures in figures_before.items():
        now = world.client(role).get(f"/api/review?quarter={last}").json()
        assert [key for key in WARNING_FIGURES if now[key] != figures[key]] == [], role
        assert now["summary"] == {**figures["summary"],
                                  "signals": figures["summary"]["signals"] + 1}, role
    # The issue counts this quarter, for the department as for the office.
    this = world.client("handler_a").get(
        f"/api/review?quarter={last.next()}").json()
    assert [(p["code"], p["warnings"]) for p in this["hot_risk_points"]] == [("CG-001", 1)]
    drill = world.client("handler_a").get(
        f"/api/review/drill?quarter={last.next()}&figure=hot").json()
    assert [item["warning_id"] for item in drill["items"]] == [warning_id]


def test_a_drill_down_lists_an_issued_proposal_by_when_it_was_issued(world: TriageWorld) -> None:
    """Sorted by creation, the list would place a proposal before a warning raised while it
    waited for 研判, though both show the issue time: the order would tell the wait."""
    now = datetime.now(UTC)
    start = Quarter.containing(now).starts_at(SHANGHAI)
    _, [proposal] = world.petition(1)
    _, [plain] = world.petition(2, channel="audit", department="CWK", external_id="A-2")
    with world.runtime.sessions() as session, session.begin():
        for warning_id, created in ((proposal, start + (now - start) / 3),
                                    (plain, start + (now - start) * 2 / 3)):
            session.execute(update(RiskWarning).where(RiskWarning.id == warning_id)
                            .values(created_at=created))
    issued = world.client("office").post(f"/api/warnings/{proposal}/triage",
                                         json={"decision": "issue", "comment": "属实"})
    assert issued.status_code == 200, issued.text
    quarter = Quarter.containing(now)
    for role, order in (("reviewer", [plain, proposal]), ("office", [proposal, plain])):
        drill = world.client(role).get(
            f"/api/review/drill?quarter={quarter}&figure=warnings").json()
        assert [item["warning_id"] for item in drill["items"]] == order, role
        times = [item["created_at"] for item in drill["items"]]
        assert times == sorted(times), role
