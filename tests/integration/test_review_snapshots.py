"""Stored reviews (定稿): stored once by any number of schedulers, by hand, and compared."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.integration.review_world import Q3_CLOSING_MINUTE, ReviewWorld, build_review_world
from warning.db.models import Department, ReviewSnapshot
from warning.domain.lifecycle import Action
from warning.review.snapshots import store_finished_quarter
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE

Q4_FIRST_HOUR = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 10-01 in Beijing


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        yield client


def _auth(world: ReviewWorld, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def test_the_quarter_just_ended_is_stored_once_however_many_schedulers_run(
    world: ReviewWorld, runtime: Runtime,
) -> None:
    results: list[bool] = []

    def run() -> None:
        results.append(store_finished_quarter(runtime.sessions, now=Q4_FIRST_HOUR))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store_finished_quarter(runtime.sessions, now=Q4_FIRST_HOUR) is False
    with runtime.sessions() as session:
        stored = session.scalars(select(ReviewSnapshot)).all()
    assert len(stored) == 1 and results.count(True) == 1
    assert (stored[0].quarter, stored[0].kind) == ("2026Q3", "scheduled")
    assert stored[0].figures["summary"]["warnings"] == 6


def test_the_office_stores_a_review_and_sees_what_changed_since(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    stored = app_client.post("/api/review/snapshots", json={"quarter": "2026Q3",
                                                            "note": "报送纪委"},
                             headers=_auth(world, "office"))
    assert stored.status_code == 201, stored.text
    snapshot_id = stored.json()["id"]
    first = app_client.get(f"/api/review/snapshots/{snapshot_id}", headers=_auth(world, "office"))
    assert first.status_code == 200 and first.json()["changes"] == []
    # A late step on a Q3 record: W4, never signed for, is withdrawn in Q3's last minute.
    from tests.integration.review_world import _Builder

    _Builder(runtime.sessions).act(world.warnings["W4"], Action.WITHDRAW, Q3_CLOSING_MINUTE,
                                   comment="误发")
    later = app_client.get(f"/api/review/snapshots/{snapshot_id}",
                           headers=_auth(world, "reviewer")).json()
    assert later["figures"]["summary"]["withdrawn"] == 1  # as stored
    changes = {c["figure"]: (c["stored"], c["now"]) for c in later["changes"]}
    assert changes["撤销"] == (1, 2)
    assert changes["采购中心·撤销"] == (0, 1)
    listed = app_client.get("/api/review/snapshots?quarter=2026Q3",
                            headers=_auth(world, "office")).json()
    assert [(s["id"], s["kind"], s["note"]) for s in listed] == [(snapshot_id, "final",
                                                                  "报送纪委")]


def test_a_change_in_one_of_two_departments_of_one_name_is_shown(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    """Department names are not unique (two branches may each have a 采购中心): each
    department's figures are compared as its own, not overwritten by its namesake's."""
    with runtime.sessions.begin() as session:
        session.execute(update(Department).where(Department.code == "CWK")
                        .values(name="采购中心"))
    stored = app_client.post("/api/review/snapshots", json={"quarter": "2026Q3"},
                             headers=_auth(world, "office"))
    assert stored.status_code == 201, stored.text
    from tests.integration.review_world import _Builder

    # W4 (CGZX, never signed for) is withdrawn in Q3's last minute: CGZX's 撤销 goes 0 -> 1
    # (before, CWK's unchanged 0 took the name's place and the change was not shown).
    _Builder(runtime.sessions).act(world.warnings["W4"], Action.WITHDRAW, Q3_CLOSING_MINUTE,
                                   comment="误发")
    later = app_client.get(f"/api/review/snapshots/{stored.json()['id']}",
                           headers=_auth(world, "office")).json()
    changes = {c["figure"]: (c["stored"], c["now"]) for c in later["changes"]}
    assert changes["撤销"] == (1, 2)
    assert changes["采购中心（CGZX）·撤销"] == (0, 1)
    assert "采购中心（CWK）·撤销" not in changes


def test_stored_reviews_are_for_those_who_read_every_department(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    stored = app_client.post("/api/review/snapshots", json={"quarter": "2026Q3"},
                             headers=_auth(world, "office")).json()
    for user in ("cg", "leader"):
        assert app_client.get("/api/review/snapshots?quarter=2026Q3",
                              headers=_auth(world, user)).status_code == 403
        assert app_client.get(f"/api/review/snapshots/{stored['id']}",
                              headers=_auth(world, user)).status_code == 403
    refused = app_client.post("/api/review/snapshots", json={"quarter": "2026Q3"},
                              headers=_auth(world, "reviewer"))
    assert refused.status_code == 403
    for bad in ("2026Q5", "x" * 9):
        answer = app_client.post("/api/review/snapshots", json={"quarter": bad},
                                 headers=_auth(world, "office"))
        assert answer.status_code == 422
    assert app_client.get("/api/review/snapshots/999999",
                          headers=_auth(world, "office")).status_code == 404
    with app_client as client:
        assert client.get("/api/review/snapshots/999999",
                          headers=_auth(world, "office")).json()["error"]["message"]


def _signed_in(client: TestClient, name: str) -> TestClient:
    client.get("/login")
    answer = client.post("/login", data={"name": name, "password": f"pw-{name}-12345678",
                                         "next": "/", "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def test_the_page_stores_a_review_and_shows_it(
    world: ReviewWorld, runtime: Runtime,
) -> None:
    app = create_app(runtime)
    office = _signed_in(TestClient(app, follow_redirects=False), "office")
    page = office.get("/review?quarter=2026Q3")
    assert page.status_code == 200 and "定稿存档" in page.text and "尚未存档" in page.text
    stored = office.post("/review/snapshots", data={
        "quarter": "2026Q3", "note": "第三季度", "csrf_token": office.cookies[COOKIE]})
    assert stored.status_code == 303
    shown = office.get(stored.headers["location"])
    assert shown.status_code == 200 and "存档以来各项数据均未变化" in shown.text
    assert "第三季度" in shown.text
    assert "已存档 1 次" in office.get("/review?quarter=2026Q3").text
    handler = _signed_in(TestClient(app, follow_redirects=False), "cg")
    assert handler.get(stored.headers["location"]).status_code == 404
    assert "定稿存档" not in handler.get("/review?quarter=2026Q3").text
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReviewSnapshot)) == 1


def test_a_future_quarter_says_it_has_not_started(world: ReviewWorld, runtime: Runtime) -> None:
    office = _signed_in(TestClient(create_app(runtime), follow_redirects=False), "office")
    page = office.get("/review?quarter=2099Q1")
    assert page.status_code == 200 and "尚未开始" in page.text
    assert "定稿存档" not in page.text


def test_a_future_quarter_cannot_be_handed_in(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    """The page offers no 定稿 for a quarter not started; the API and the form refuse one
    too, instead of storing a handed-in review of zeros."""
    refused = app_client.post("/api/review/snapshots", json={"quarter": "2099Q1", "note": ""},
                              headers=_auth(world, "office"))
    assert refused.status_code == 422, refused.text
    assert "尚未开始" in refused.json()["error"]["message"]
    office = _signed_in(TestClient(create_app(runtime), follow_redirects=False), "office")
    assert office.get("/review?quarter=2099Q1").status_code == 200
    page = office.post("/review/snapshots", data={
        "quarter": "2099Q1", "note": "", "csrf_token": office.cookies[COOKIE]})
    assert page.status_code == 422 and "尚未开始" in page.text
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReviewSnapshot)) == 0


def test_a_final_review_sent_several_times_at_once_is_stored_once(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    answers: list[tuple[int, int]] = []

    def send() -> None:
        answer = app_client.post("/api/review/snapshots",
                                 json={"quarter": "2026Q3", "note": "报送纪委"},
                                 headers=_auth(world, "office"))
        answers.append((answer.status_code, answer.json().get("id", 0)))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.sessions() as session:
        stored = session.scalars(select(ReviewSnapshot.id)
                                 .where(ReviewSnapshot.kind == "final")).all()
    assert len(stored) == 1
    assert answers == [(201, stored[0])] * 6
    # Another note, or figures that moved, is another 定稿.
    other = app_client.post("/api/review/snapshots", json={"quarter": "2026Q3", "note": "修订"},
                            headers=_auth(world, "office"))
    assert other.status_code == 201 and other.json()["id"] != stored[0]


def test_a_final_review_handed_in_again_after_another_is_the_newest(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    """A, then B, then A again: the third is stored, so the newest 定稿 is what was handed in
    last (not B, with A's first copy older than it)."""
    def store(note: str) -> int:
        answer = app_client.post("/api/review/snapshots",
                                 json={"quarter": "2026Q3", "note": note},
                                 headers=_auth(world, "office"))
        assert answer.status_code == 201
        return int(answer.json()["id"])

    first, second = store("初稿"), store("修订")
    assert store("修订") == second  # sent twice: stored once
    third = store("初稿")
    assert third not in (first, second)
    listed = app_client.get("/api/review/snapshots?quarter=2026Q3",
                            headers=_auth(world, "office")).json()
    assert next(s["id"] for s in listed if s["kind"] == "final") == third
