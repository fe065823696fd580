"""Cases (重复信访): a petition's page and the API list the first report and its repeats."""

import re
from collections.abc import Iterator

import pytest

from tests.integration.petition_world import World, build_world
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    app = create_app(runtime)
    cipher = ReporterCipher([generate_key()])
    app.state.reporter_cipher = cipher
    yield build_world(runtime, app, cipher)


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)[1:]


def test_a_repeat_s_page_lists_its_case_with_dates_similarity_and_count(world: World) -> None:
    page = world.client("office").get(f"/signals/{world.repeats[0]}")
    assert page.status_code == 200
    assert "同一事项共 <strong>3</strong> 件：首次反映 1 件，重复反映 2 件" in page.text
    rows = _rows(page.text, "case-members")
    assert len(rows) == 3
    assert f'href="/signals/{world.first}"' in rows[0] and "首次反映" in rows[0]
    assert "（本件）" in rows[1] and "重复反映" in rows[1]
    assert f"#{world.repeats[1]}" in rows[2]
    for row in rows:
        assert "信访举报" in row and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)
    assert all(re.search(r">\d{2,3}%<", row) for row in rows[1:])


def test_a_single_petition_says_no_repeat_and_an_audit_finding_has_no_case(world: World) -> None:
    office = world.client("office")
    single = office.get(f"/signals/{world.petition_b}")
    assert "未发现与本件内容相近的其他来信" in single.text
    assert 'id="case-members"' not in single.text
    assert 'id="case"' not in office.get(f"/signals/{world.audit_a}").text


def test_the_case_list_is_for_the_office_and_counts_repeats(world: World) -> None:
    listed = world.client("office").get("/cases")
    rows = _rows(listed.text, "cases-table")
    assert len(rows) == 1
    assert f'href="/signals/{world.first}#case"' in rows[0]
    assert '<span class="count-pill">3</span>' in rows[0] and "关于采购中心串标的举报" in rows[0]
    handler = world.client("handler_a").get("/cases")
    assert handler.status_code == 200 and "没有重复信访" in handler.text
    assert "串标" not in handler.text


def test_the_api_gives_the_case_and_the_list_of_cases(world: World) -> None:
    office = world.client("office")
    case = office.get(f"/api/signals/{world.repeats[1]}/case")
    assert case.status_code == 200, case.text
    body = case.json()
    assert body["case_signal_id"] == world.first
    assert body["signal_ids"] == [world.first, *world.repeats]
    assert (body["size"], body["repeats"]) == (3, 2)
    assert [m["first"] for m in body["members"]] == [True, False, False]
    assert all(m["channel"] == "信访举报" and m["department"] == "采购中心"
               for m in body["members"])
    assert all(0.5 <= m["similarity"] <= 1 for m in body["members"])

    cases = office.get("/api/signals/cases").json()
    assert cases["total"] == 1
    assert cases["items"][0] | {"first_received_at": None, "latest_received_at": None} == {
        "case_signal_id": world.first, "title": "关于采购中心串标的举报", "channel": "petition",
        "department": "CGZX", "size": 3, "repeats": 2,
        "first_received_at": None, "latest_received_at": None,
    }
    assert office.get("/api/signals/cases?department=CWK").json()["total"] == 0
    missing = office.get(f"/api/signals/{world.audit_a}/case")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_linked"


def test_handlers_get_no_confidential_case(world: World) -> None:
    handler = world.client("handler_a")
    assert handler.get(f"/api/signals/{world.first}/case").status_code == 404
    assert handler.get("/api/signals/cases").json() == {"total": 0, "items": []}
    assert handler.get("/api/signals/cases").status_code == 200


def test_the_case_models_are_in_openapi(world: World) -> None:
    spec = world.client("office").get("/openapi.json").json()
    case = spec["paths"]["/api/signals/{signal_id}/case"]["get"]
    assert case["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseOut"}
    assert {"CaseOut", "CaseMemberOut", "CasePage", "CaseSummaryOut"} <= set(
        spec["components"]["schemas"])
    assert "/api/signals/cases" in spec["paths"]


def test_a_reviewer_sees_the_case_but_no_similarity_to_text_they_may_not_read(
    world: World,
) -> None:
    """Similarity is computed on a petition's text: shown to a reviewer, who may not read
    that text, it is an oracle (file a look-alike report, read how close it came)."""
    reviewer = world.client("reviewer")
    body = reviewer.get(f"/api/signals/{world.repeats[1]}/case").json()
    assert body["signal_ids"] == [world.first, *world.repeats]
    assert [m["similarity"] for m in body["members"]] == [None, None, None]
    page = reviewer.get(f"/signals/{world.repeats[0]}")
    rows = _rows(page.text, "case-members")
    assert len(rows) == 3 and not any(re.search(r"\d%<", row) for row in rows)
    office = world.client("office").get(f"/api/signals/{world.repeats[1]}/case").json()
    assert all(0.5 <= m["similarity"] <= 1 for m in office["members"])
