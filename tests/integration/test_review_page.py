"""The 季度审查 page: the quarter selector, the tables, the links, scoped to the user."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.review_world import build_review_world
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE


@pytest.fixture
def site(runtime: Runtime) -> Iterator[TestClient]:
    build_review_world(runtime.sessions)
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        yield client


def _sign_in(client: TestClient, name: str) -> TestClient:
    client.cookies.clear()
    client.get("/login")
    answer = client.post("/login", data={"name": name, "password": f"pw-{name}-12345678",
                                         "next": "/", "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def _row(html: str, table_id: str, text: str) -> str:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = ["<tr" + r for r in table.split("<tr") if text in r]
    assert len(rows) == 1, (table_id, text)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0])).strip()


def test_the_office_reads_the_tables_of_a_chosen_quarter(site: TestClient) -> None:
    page = _sign_in(site, "office").get("/review?quarter=2026Q3")
    assert page.status_code == 200
    html = page.text
    assert '<option value="2026Q3" selected>2026年第三季度</option>' in html
    assert 'href="/review"' in html and ">季度审查<" in html  # the nav link
    assert 'href="/api/review/export?quarter=2026Q3"' in html
    assert _row(html, "by-department", "采购中心") == "采购中心 3 2 2 0 1 1 0"
    assert _row(html, "by-department", "财务科") == "财务科 2 1 0 1 1 0 0"
    assert 'href="/warnings?department=CGZX"' in html
    assert _row(html, "by-channel", "审计") == "审计 2 2"
    assert _row(html, "by-level", "高") == "高 4"
    assert _row(html, "by-response", "责令整改") == "责令整改 1"
    assert _row(html, "hot-points", "CG-001").endswith("2 4 1 建议完善防控措施")
    assert 'href="/warnings?risk_point=CG-001"' in html
    assert 'href="/warnings?risk_point=CG-002&amp;department=CGZX"' in html
    assert _row(html, "repeat-subjects", "张三") == "张三 （个人） 采购中心 2 4 1"
    assert _row(html, "stale-points", "CW-001").endswith("从未复核")
    assert 'class="num"' in html and "cdn" not in html.lower()


def test_a_handler_reads_only_their_department(site: TestClient) -> None:
    html = _sign_in(site, "cw").get("/review?quarter=2026Q3").text
    assert "仅统计您可查看的部门" in html
    assert _row(html, "by-department", "财务科") == "财务科 2 1 0 1 1 0 0"
    assert "采购中心" not in html and "张三" not in html and "信访举报" not in html


def test_a_malformed_quarter_is_explained_on_the_page(site: TestClient) -> None:
    page = _sign_in(site, "reviewer").get("/review?quarter=2026Q5")
    assert page.status_code == 422
    assert "无法识别的季度“2026Q5”" in page.text and "2026Q3" in page.text
    assert 'id="by-department"' not in page.text
    current = site.get("/review")
    assert current.status_code == 200 and "本季度尚未结束" in current.text
