"""The review's trend, comparisons, timings and register coverage on the 2026Q3 world."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review_world import ReviewWorld, _Builder, at, build_review_world
from warning.review.timings import nearest_rank
from warning.runtime import Runtime
from warning.web.app import create_app

HOURS = {"W1": 5 * 24, "W3": 32 * 24, "W2": 56 * 24 + 13.5}  # issue → 办结, see the world


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _trends(client: TestClient, world: ReviewWorld, user: str) -> dict[str, Any]:
    got = client.get("/api/review?quarter=2026Q3",
                     headers={"Authorization": f"Bearer {world.tokens[user]}"})
    assert got.status_code == 200, got.text
    review = got.json()
    return {"summary": review["summary"], **review["trends"]}


def test_the_trend_runs_eight_quarters_and_ends_with_the_summary(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    t = _trends(app_client, world, "office")
    assert [p["quarter"] for p in t["trend"]] == [
        "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    # S6 arrived at 23:59 on 06-30 in Beijing (Q2); S5 at 00:30 on 10-01 (Q4, not shown).
    assert [(p["signals"], p["warnings"], p["closed"], p["returned"]) for p in t["trend"]] == [
        (0, 0, 0, 0)] * 6 + [(1, 2, 2, 0), (4, 6, 3, 1)]
    last = t["trend"][-1]
    assert (last["signals"], last["warnings"], last["closed"], last["returned"]) == (
        t["summary"]["signals"], t["summary"]["warnings"], t["summary"]["closed"],
        t["summary"]["returned"])
    assert {c["key"]: (c["now"], c["previous_quarter"], c["same_quarter_last_year"])
            for c in t["changes"]} == {
        "signals": (4, 1, 0), "warnings": (6, 2, 0), "closed": (3, 2, 0), "returned": (1, 0, 0)}


def test_timings_count_each_step_in_the_quarter_it_happened(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    timings = _trends(app_client, world, "office")["timings"]
    # W1, W3, W2 and W6 were signed for in Q3 the moment they were issued; W0 and W8 in Q2.
    assert (timings["received"], timings["receipt_median_hours"],
            timings["receipt_p90_hours"]) == (4, 0.0, 0.0)
    closures = sorted(HOURS.values())
    assert (timings["closed"], timings["closure_median_hours"],
            timings["closure_p90_hours"]) == (3, closures[1], closures[2])
    # W1, W2 and W3 reported in Q3; W2 was returned once.
    assert (timings["reported"], timings["returned"], timings["return_rate"]) == (3, 1, 0.333)


def test_register_coverage_is_scoped_and_ignores_withdrawn_hits(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    office = _trends(app_client, world, "office")["coverage"]
    assert (office["points"], office["high"], office["high_share"]) == (4, 2, 0.5)
    assert office["target_share"] == 0.2
    assert [p["code"] for p in office["never_hit"]] == ["BG-001"]  # its warning was withdrawn
    handler = _trends(app_client, world, "cg")["coverage"]
    assert (handler["points"], handler["high"], handler["never_hit"]) == (2, 1, [])
    leader = _trends(app_client, world, "leader")["coverage"]  # supervises CWK and BGS
    assert (leader["points"], leader["high"]) == (2, 1)
    assert [p["code"] for p in leader["never_hit"]] == ["BG-001"]


def test_a_risk_point_hit_only_by_another_departments_warning_reads_never_hit_to_its_owner(
    world: ReviewWorld, app_client: TestClient, runtime: Runtime,
) -> None:
    """BG-001 is BGS's; a warning on it addressed to CGZX is CGZX's to read. The leader,
    who supervises BGS but not CGZX, must not learn of it from the coverage figure."""
    builder = _Builder(runtime.sessions)
    signal = builder.signal("audit", "CGZX", at(8, 2), "S9")
    builder.warning("BG-001", "CGZX", at(8, 2), "reminder", "department:CGZX", signal)
    office = _trends(app_client, world, "office")["coverage"]
    assert office["never_hit"] == []  # the office reads every warning
    leader = _trends(app_client, world, "leader")["coverage"]
    assert [p["code"] for p in leader["never_hit"]] == ["BG-001"]


def test_a_handler_trend_leaves_out_confidential_signals(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    t = _trends(app_client, world, "cg")
    assert t["trend"][-1]["signals"] == t["summary"]["signals"] == 1  # S3 is a petition
    assert t["trend"][-1]["warnings"] == 3


def test_nearest_rank_percentiles() -> None:
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([float(n) for n in range(10, 0, -1)], 0.9) == 9.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
