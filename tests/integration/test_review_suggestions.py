"""Dynamic management (动态管理): the review's suggestions, accepted or dismissed with a reason."""

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.review_world import ReviewWorld, build_review_world
from warning.db.models import ReviewDecision, RiskPoint, RiskPointChange
from warning.runtime import Runtime
from warning.web.app import create_app

EXPECTED = {("review_measures", "CG-001"), ("raise_level", "CG-002"),
            ("review_stale", "CW-001"), ("review_stale", "CG-002")}


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _auth(world: ReviewWorld, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def _listed(client: TestClient, world: ReviewWorld, user: str = "office") -> dict[
        tuple[str, str], dict[str, object]]:
    got = client.get("/api/review/suggestions?quarter=2026Q3", headers=_auth(world, user))
    assert got.status_code == 200, got.text
    return {(s["kind"], s["subject"]): s for s in got.json()}


def _decide(client: TestClient, world: ReviewWorld, kind: str, subject: str, decision: str,
            reason: str, user: str = "office"):  # type: ignore[no-untyped-def]
    return client.post("/api/review/suggestions", headers=_auth(world, user), json={
        "quarter": "2026Q3", "kind": kind, "subject": subject, "decision": decision,
        "reason": reason})


def test_the_figures_suggest_what_the_seeds_call_for(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    listed = _listed(app_client, world)
    # CG-001 (high) keeps being hit: measures; CG-002 (medium) hit in Q2 and Q3: a higher
    # level; CW-001 never reviewed and CG-002 reviewed 2025-09-29: stale. Four points are
    # too few to judge the register's share of high-level points.
    assert set(listed) == EXPECTED
    assert all(s["decision"] is None for s in listed.values())
    assert _listed(app_client, world, "reviewer") == listed


def test_accepting_raises_the_level_through_the_change_history(
    world: ReviewWorld, app_client: TestClient, runtime: Runtime,
) -> None:
    accepted = _decide(app_client, world, "raise_level", "CG-002", "accepted",
                       "连续两个季度被命中")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["decision"] == "accepted"
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    with runtime.sessions() as session:
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-002")).one()
        assert (point.level, point.reviewed_on) == ("high", today)
        changes = {c.field: c for c in session.scalars(
            select(RiskPointChange).where(RiskPointChange.risk_point_id == point.id))}
    assert (changes["level"].old_value, changes["level"].new_value) == ("medium", "high")
    assert changes["level"].reason == "连续两个季度被命中"
    assert changes["level"].source == "review:2026Q3:raise_level"
    assert changes["level"].actor == "user:office"
    again = _decide(app_client, world, "raise_level", "CG-002", "accepted", "再次")
    assert again.status_code == 409
    listed = _listed(app_client, world)
    assert listed[("raise_level", "CG-002")]["decision"] == "accepted"


def test_a_dismissed_suggestion_does_not_come_back_for_the_quarter(
    world: ReviewWorld, app_client: TestClient, runtime: Runtime,
) -> None:
    dismissed = _decide(app_client, world, "review_stale", "CW-001", "dismissed",
                        "已于年初集中复核，待补录")
    assert dismissed.status_code == 201
    listed = _listed(app_client, world)
    assert listed[("review_stale", "CW-001")]["decision"] == "dismissed"
    assert listed[("review_stale", "CW-001")]["reason"] == "已于年初集中复核，待补录"
    with runtime.sessions() as session:
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CW-001")).one()
        assert point.reviewed_on is None  # dismissing changes nothing in the register
        assert session.scalars(select(RiskPointChange)).all() == []
    assert _decide(app_client, world, "review_stale", "CW-001", "accepted",
                   "改主意").status_code == 409


def test_bad_decisions_are_refused_and_change_nothing(
    world: ReviewWorld, app_client: TestClient, runtime: Runtime,
) -> None:
    for kind, subject, reason in (("raise_level", "CG-002", " "),
                                  ("raise_level", "CW-001", "理由充分"),
                                  ("raise_level", "NO-SUCH", "理由充分")):
        refused = _decide(app_client, world, kind, subject, "accepted", reason)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"]
    assert _decide(app_client, world, "promote", "CG-002", "accepted", "x" * 5
                   ).status_code == 422
    for user in ("reviewer", "cg", "leader"):
        assert _decide(app_client, world, "raise_level", "CG-002", "accepted", "理由充分",
                       user).status_code == 403
    assert app_client.get("/api/review/suggestions?quarter=2026Q3",
                          headers=_auth(world, "cg")).status_code == 403
    with runtime.sessions() as session:
        assert session.scalars(select(ReviewDecision)).all() == []
        assert session.scalars(select(RiskPointChange)).all() == []
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-002")).one()
        assert point.level == "medium"


def test_the_office_decides_on_the_page(world: ReviewWorld, runtime: Runtime) -> None:
    from warning.web.pages.csrf import COOKIE

    client = TestClient(create_app(runtime), follow_redirects=False)
    client.get("/login")
    client.post("/login", data={"name": "office", "password": "pw-office-12345678", "next": "/",
                                "csrf_token": client.cookies[COOKIE]})
    page = client.get("/review?quarter=2026Q3")
    assert "动态管理建议" in page.text and "提高风险等级" in page.text
    form = {"quarter": "2026Q3", "kind": "raise_level", "subject": "CG-002",
            "decision": "accepted", "csrf_token": client.cookies[COOKIE]}
    empty = client.post("/review/suggestions", data={**form, "reason": ""})
    assert empty.status_code == 422 and "请填写理由" in empty.text
    done = client.post("/review/suggestions", data={**form, "reason": "连续命中"})
    assert done.status_code == 303
    assert "已采纳" in client.get("/review?quarter=2026Q3").text
    with runtime.sessions() as session:
        assert session.scalars(select(RiskPoint.level).where(RiskPoint.code == "CG-002")
                               ).one() == "high"
