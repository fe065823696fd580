"""Every figure of the review opens a list whose total is that figure, scoped the same way."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review_world import ReviewWorld, build_review_world
from warning.runtime import Runtime
from warning.web.app import create_app

OUTCOMES = ("closed", "closed_on_time", "closed_late", "overdue", "returned", "withdrawn")


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _figures(review: dict[str, Any]) -> list[tuple[dict[str, str], int]]:
    """Return (drill parameters, number shown) for every number of a review."""
    s = review["summary"]
    figures: list[tuple[dict[str, str], int]] = [({"figure": "signals"}, s["signals"]),
                                                 ({"figure": "warnings"}, s["warnings"])]
    figures += [({"figure": key}, s[key]) for key in OUTCOMES]
    figures += [({"figure": "signals", "channel": c["channel"]}, c["signals"])
                for c in review["signals_by_channel"]]
    for d in review["warnings_by_department"]:
        code = d["department"] or "none"
        figures.append(({"figure": "warnings", "department": code}, d["warnings"]))
        figures += [({"figure": key, "department": code}, d[key]) for key in OUTCOMES]
    for dimension, param in (("warnings_by_category", "category"),
                             ("warnings_by_level", "level"),
                             ("warnings_by_response", "response")):
        figures += [({"figure": "warnings", param: b["key"]}, b["warnings"])
                    for b in review[dimension]]
    figures += [({"figure": "hot", "risk_point": p["code"]}, p["warnings"])
                for p in review["hot_risk_points"]]
    figures += [({"figure": "measure", "measure": b["key"] or "unrecorded"}, b["warnings"])
                for b in review["measures_applied"]]
    figures.append(({"figure": "stale"}, s["stale_risk_points"]))
    figures.append(({"figure": "never_hit"}, len(review["trends"]["coverage"]["never_hit"])))
    return figures


@pytest.mark.parametrize("user", ["office", "cg", "cw", "leader", "reviewer"])
def test_every_figure_opens_a_list_of_exactly_that_many(
    world: ReviewWorld, app_client: TestClient, user: str,
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[user]}"}
    review = app_client.get("/api/review?quarter=2026Q3", headers=headers).json()
    figures = _figures(review)
    assert len(figures) > 12
    for params, shown in figures:
        got = app_client.get("/api/review/drill", params={"quarter": "2026Q3", **params,
                                                          "limit": 500}, headers=headers)
        assert got.status_code == 200, (params, got.text)
        body = got.json()
        assert body["total"] == shown, (user, params)
        assert len(body["items"]) == shown, (user, params)


def test_a_handler_list_never_holds_another_department_or_a_petition(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['cg']}"}
    signals = app_client.get("/api/review/drill?quarter=2026Q3&figure=signals",
                             headers=headers).json()
    assert [s["title"] for s in signals["items"]] == ["S1"]  # S3 is a petition about 采购中心
    other = app_client.get("/api/review/drill?quarter=2026Q3&figure=warnings&department=CWK",
                           headers=headers).json()
    assert other["total"] == 0 and other["items"] == []


@pytest.mark.parametrize("figure", ["stale", "never_hit"])
def test_a_risk_point_list_narrowed_to_a_department_holds_only_its_points(
    world: ReviewWorld, app_client: TestClient, figure: str,
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['office']}"}

    def drill(**params: str) -> list[dict[str, Any]]:
        answer = app_client.get("/api/review/drill", headers=headers, params={
            "quarter": "2026Q3", "figure": figure, "limit": "500", **params})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    every = drill()
    codes = {p["department"] for p in every}
    assert every, figure  # the world has such points
    for code in codes:
        narrowed = drill(department=code or "none")
        assert narrowed == [p for p in every if p["department"] == code], code
    assert drill(department="NOSUCH") == []


def test_a_bad_figure_or_quarter_is_a_clear_422(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['office']}"}
    for query in ("figure=everything", "figure=signals&quarter=2026Q9", "figure=signals&limit=0"):
        assert app_client.get(f"/api/review/drill?{query}", headers=headers).status_code == 422


def test_every_number_link_on_the_page_opens_a_list_of_that_many(
    world: ReviewWorld, runtime: Runtime,
) -> None:
    import html
    import re

    from warning.web.pages.csrf import COOKIE

    for user in ("office", "cg"):
        client = TestClient(create_app(runtime), follow_redirects=False)
        client.get("/login")
        client.post("/login", data={"name": user, "password": f"pw-{user}-12345678", "next": "/",
                                    "csrf_token": client.cookies[COOKIE]})
        page = client.get("/review?quarter=2026Q3")
        assert page.status_code == 200
        links = re.findall(r'href="(/review/drill\?[^"]+)"[^>]*>(\d+)</a>', page.text)
        assert len(links) >= 15, user
        for href, shown in links:
            listed = client.get(html.unescape(href))
            assert listed.status_code == 200, href
            total = re.search(r'id="drill-total">(\d+)<', listed.text)
            assert total is not None and total.group(1) == shown, (user, href)


def test_the_sql_outcomes_agree_with_the_domain_rules_on_every_record(
    world: ReviewWorld, runtime: Runtime,
) -> None:
    from datetime import UTC, datetime

    from warning.domain.quarter import Quarter
    from warning.review.outcomes import Outcome, record_outcomes, records_counting_in
    from warning.review.period import Period
    from warning.review.tally import tally

    for quarter in (Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4)):
        period = Period.of(quarter, datetime(2026, 10, 20, tzinfo=UTC))
        with runtime.sessions() as session:
            python = record_outcomes(session, principal=None, period=period)
            for name in OUTCOMES:
                by_python = sorted(r for r, _, o in python if getattr(o, name))
                assert records_counting_in(session, principal=None, period=period,
                                           outcome=name) == by_python, (quarter, name)
            summed: dict[int | None, Outcome] = {}
            for _, department, outcome in python:
                summed.setdefault(department, Outcome()).add(outcome)
            counted = tally(session, principal=None, period=period).outcomes
            assert {d: vars(o) for d, o in counted.items() if any(vars(o).values())} == {
                d: vars(o) for d, o in summed.items() if any(vars(o).values())}, quarter
