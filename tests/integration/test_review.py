"""The quarterly review of 2026Q3 on the constructed world: exact figures, scoped per role."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.integration.review_world import ReviewWorld, build_review_world
from warning.cli.main import cli
from warning.domain.quarter import Quarter
from warning.review.figures import build_review
from warning.runtime import Runtime
from warning.web.app import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEPARTMENTS = {  # code: (warnings, closed, on time, late, overdue, returned, withdrawn)
    "BGS": (1, 0, 0, 0, 0, 0, 1),
    "CGZX": (3, 2, 2, 0, 1, 1, 0),
    "CWK": (2, 1, 0, 1, 1, 0, 0),
}
SUMMARY = {"signals": 4, "warnings": 6, "closed": 3, "closed_on_time": 2, "closed_late": 1,
           "overdue": 2, "returned": 1, "withdrawn": 1, "repeat_subjects": 2,
           "recurring_risk_points": 2, "stale_risk_points": 2}


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _get(client: TestClient, world: ReviewWorld, user: str, path: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {world.tokens[user]}"})


def _buckets(items: list[dict[str, Any]]) -> dict[str, int]:
    return {b["key"]: b["warnings"] for b in items}


def _departments(items: list[dict[str, Any]]) -> dict[str, tuple[int, ...]]:
    keys = ("warnings", "closed", "closed_on_time", "closed_late", "overdue", "returned",
            "withdrawn")
    return {d["department"]: tuple(d[k] for k in keys) for d in items}


def test_the_office_sees_every_figure_of_the_quarter(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    got = _get(app_client, world, "office", "/api/review?quarter=2026Q3")
    assert got.status_code == 200, got.text
    review = got.json()
    assert (review["quarter"], review["label"]) == ("2026Q3", "2026年第三季度")
    assert review["starts_at"].startswith("2026-06-30T16:00:00")
    assert review["ends_at"].startswith("2026-09-30T16:00:00")
    assert review["all_departments"] is True
    assert review["summary"] == SUMMARY
    assert [(c["channel"], c["signals"], c["raised"]) for c in review["signals_by_channel"]] == [
        ("audit", 2, 2), ("petition", 2, 1)]
    assert _departments(review["warnings_by_department"]) == DEPARTMENTS
    assert _buckets(review["warnings_by_category"]) == {
        "思想道德": 1, "岗位职责": 2, "业务流程": 2, "制度机制": 1, "外部环境": 0}
    assert _buckets(review["warnings_by_level"]) == {"high": 4, "medium": 1, "low": 1}
    assert _buckets(review["warnings_by_response"]) == {
        "reminder": 3, "talk": 1, "admonition": 1, "rectification": 1}
    assert [(s["subject_kind"], s["subject_name"], s["department"], s["warnings"], s["signals"],
             s["risk_points"]) for s in review["repeat_subjects"]] == [
        ("person", "张三", "CGZX", 2, 4, 1), ("department", "CWK", "CWK", 2, 2, 1)]
    assert [(p["code"], p["warnings"], p["signals"], p["previous_quarter"], p["advice"])
            for p in review["hot_risk_points"]] == [
        ("CG-001", 2, 4, 1, "new_measures"), ("CW-001", 2, 2, 0, None),
        ("CG-002", 1, 1, 1, "raise_level")]  # BG-001's only warning was withdrawn
    assert [(p["code"], p["reviewed_on"]) for p in review["stale_risk_points"]] == [
        ("CW-001", None), ("CG-002", "2025-09-29")]
    assert review["stale_before"] == "2025-09-30"


def test_the_reviewer_sees_what_the_office_sees(world: ReviewWorld, app_client: TestClient) -> None:
    office = _get(app_client, world, "office", "/api/review?quarter=2026Q3").json()
    reviewer = _get(app_client, world, "reviewer", "/api/review?quarter=2026Q3").json()
    assert reviewer == office


def test_a_handler_sees_only_the_figures_of_their_department(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    review = _get(app_client, world, "cg", "/api/review?quarter=2026Q3").json()
    assert review["all_departments"] is False
    assert review["summary"] == {
        "signals": 1, "warnings": 3, "closed": 2, "closed_on_time": 2, "closed_late": 0,
        "overdue": 1, "returned": 1, "withdrawn": 0, "repeat_subjects": 1,
        "recurring_risk_points": 2, "stale_risk_points": 1}
    # The petition about 采购中心 comes through a confidential channel: not counted here.
    assert [(c["channel"], c["signals"]) for c in review["signals_by_channel"]] == [("audit", 1)]
    assert _departments(review["warnings_by_department"]) == {"CGZX": DEPARTMENTS["CGZX"]}
    assert _buckets(review["warnings_by_level"]) == {"high": 2, "medium": 1, "low": 0}
    assert _buckets(review["warnings_by_category"])["岗位职责"] == 0
    # 张三 was named by a confidential petition (W2) and by an audit (W1, hit three times):
    # the department reads 张三 on W1 but is not told whom W2 names, so W2 is not counted
    # with W1 under 张三 (which would tell them) nor W1 hidden with it.
    assert [(s["subject_name"], s["warnings"], s["signals"])
            for s in review["repeat_subjects"]] == [("张三", 1, 3)]
    assert [p["code"] for p in review["hot_risk_points"]] == ["CG-001", "CG-002"]
    assert [p["code"] for p in review["stale_risk_points"]] == ["CG-002"]
    other = _get(app_client, world, "cw", "/api/review?quarter=2026Q3").json()
    assert _departments(other["warnings_by_department"]) == {"CWK": DEPARTMENTS["CWK"]}
    assert [p["code"] for p in other["stale_risk_points"]] == ["CW-001"]
    assert "采购中心" not in str(other) and "张三" not in str(other)


def test_a_leader_sees_the_departments_they_supervise(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    review = _get(app_client, world, "leader", "/api/review?quarter=2026Q3").json()
    assert review["all_departments"] is False
    assert _departments(review["warnings_by_department"]) == {
        code: DEPARTMENTS[code] for code in ("BGS", "CWK")}
    assert review["summary"]["warnings"] == 3 and review["summary"]["signals"] == 1
    assert [p["code"] for p in review["hot_risk_points"]] == ["CW-001"]


def test_the_quarter_defaults_to_the_current_one_and_a_malformed_one_is_refused(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    current = _get(app_client, world, "office", "/api/review").json()
    assert current["quarter"] == str(Quarter.containing(datetime.now(UTC)))
    for bad in ("2026Q5", "2026-3", "Q3"):
        refused = _get(app_client, world, "office", f"/api/review?quarter={bad}")
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "invalid_quarter" and error["field"] == "quarter"
        assert bad in error["message"] and "2026Q3" in error["message"]
    assert _get(app_client, world, "office", "/api/review/export?quarter=2026Q5"
                ).status_code == 422
    assert app_client.get("/api/review?quarter=2026Q3").status_code == 401
    spec = _get(app_client, world, "office", "/openapi.json").json()
    assert spec["paths"]["/api/review"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/Review"}
    assert XLSX in spec["paths"]["/api/review/export"]["get"]["responses"]["200"]["content"]
    q4 = _get(app_client, world, "office", "/api/review?quarter=2026Q4").json()
    assert q4["summary"]["warnings"] == 1  # W7, raised on 2 October
    assert [(c["channel"], c["signals"]) for c in q4["signals_by_channel"]] == [("api", 1)]


def _sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _check_workbook(sheets: dict[str, list[tuple[Any, ...]]]) -> None:
    assert list(sheets) == ["概况", "信号·按渠道", "预警·按部门", "预警·按风险类别",
                            "预警·按风险等级", "预警·按处置措施", "办结·实际处置措施",
                            "重复对象", "高频风险点",
                            "久未复核风险点", "近八个季度", "同比环比", "处置用时",
                            "从未命中的风险点", "台账"]
    summary = dict(sheets["概况"][1:])
    assert summary["季度"] == "2026年第三季度"
    assert (summary["信号数"], summary["新下达预警数"], summary["其中按期办结"],
            summary["其中逾期办结"], summary["逾期"], summary["退回整改"]) == (4, 6, 2, 1, 2, 1)
    assert sheets["信号·按渠道"][1:] == [("audit", "审计", 2, 2), ("petition", "信访举报", 2, 1)]
    header, *rows = sheets["预警·按部门"]
    assert header[:3] == ("部门编码", "部门", "新下达预警")
    assert {r[0]: tuple(r[2:]) for r in rows} == DEPARTMENTS
    assert dict(sheets["预警·按风险等级"][1:]) == {"高": 4, "中": 1, "低": 1}
    assert dict(sheets["预警·按处置措施"][1:]) == {
        "风险提示": 3, "谈话提醒": 1, "诫勉谈话": 1, "责令整改": 1}
    assert [r[:2] for r in sheets["高频风险点"][1:]] == [
        ("CG-001", "物资采购中串通投标"), ("CW-001", "虚报冒领套取资金"),
        ("CG-002", "化整为零规避招标")]
    assert sheets["高频风险点"][1][-1] == "建议完善防控措施"
    assert [(r[0], r[-1]) for r in sheets["久未复核风险点"][1:]] == [
        ("CW-001", None), ("CG-002", datetime(2025, 9, 29))]
    assert [r[1:4] for r in sheets["重复对象"][1:]] == [
        ("张三", "采购中心", 2), ("CWK", "财务科", 2)]


def test_the_review_downloads_as_a_workbook_with_the_same_numbers(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    got = _get(app_client, world, "office", "/api/review/export?quarter=2026Q3")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX and got.headers["cache-control"] == "no-store"
    assert "2026Q3.xlsx" in got.headers["content-disposition"]
    _check_workbook(_sheets(got.content))
    mine = _sheets(_get(app_client, world, "cw", "/api/review/export?quarter=2026Q3").content)
    assert [r[0] for r in mine["预警·按部门"][1:]] == ["CWK"]


def test_the_command_line_prints_the_summary_and_saves_the_workbook(
    world: ReviewWorld, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    runner = CliRunner()
    target = tmp_path / "审查.xlsx"
    done = runner.invoke(cli, ["review", "--quarter", "2026Q3", "--output", str(target)])
    assert done.exit_code == 0, done.output
    assert "2026年第三季度" in done.output and "其中按期办结" in done.output
    assert "CG-001" in done.output and "建议完善防控措施" in done.output
    _check_workbook(_sheets(target.read_bytes()))
    refused = runner.invoke(cli, ["review", "--quarter", "2026Q5"])
    assert refused.exit_code == 1 and "2026Q3" in refused.output
    assert runner.invoke(cli, ["review", "--output", str(tmp_path / "r.csv")]).exit_code == 1


def test_the_service_reads_the_same_figures_at_any_later_moment(
    world: ReviewWorld, runtime: Runtime,
) -> None:
    later = datetime(2027, 3, 1, tzinfo=UTC)
    with runtime.sessions() as session:
        review = build_review(session, principal=None, quarter=Quarter(2026, 3), now=later)
    assert review.summary.model_dump() == SUMMARY
    assert review.cutoff == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
