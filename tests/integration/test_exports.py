"""Exports of warnings and signals: scoped like the lists, redacted, and readable back."""

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.integration.petition_world import REPORTER, SECRET_WORD, World, build_world
from warning.auth.visibility import REDACTED_TEXT as REDACTED
from warning.cli.main import cli
from warning.db.models import Department, RiskWarning
from warning.exports.signal_table import HEADER as SIGNAL_HEADER
from warning.exports.warning_table import HEADER as WARNING_HEADER
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    app = create_app(runtime)
    cipher = ReporterCipher([generate_key()])
    app.state.reporter_cipher = cipher
    yield build_world(runtime, app, cipher)


def _xlsx(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM: Excel would read it as GBK"
    assert b"\r\n" in data
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _warning_ids(runtime: Runtime, department: str) -> set[int]:
    with runtime.sessions() as session:
        return set(session.scalars(
            select(RiskWarning.id).join(Department, Department.id == RiskWarning.department_id)
            .where(Department.code == department)
        ))


def test_a_handler_of_b_exports_only_b_s_warnings(world: World, runtime: Runtime) -> None:
    got = world.client("handler_b").get("/api/warnings/export?format=xlsx")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX and got.headers["cache-control"] == "no-store"
    assert "filename*=UTF-8''%E9%A2%84%E8%AD%A6-" in got.headers["content-disposition"]
    rows = _xlsx(got.content)
    b_ids, a_ids = _warning_ids(runtime, "CWK"), _warning_ids(runtime, "CGZX")
    assert a_ids and len(b_ids) >= 2
    assert {r["预警编号"] for r in rows} == b_ids
    assert {r["责任部门"] for r in rows} == {"财务科"}
    assert all(isinstance(r["下达时间"], datetime) for r in rows)
    assert {r["处置状态"] for r in rows} == {"已下达"}
    as_csv = _csv(world.client("handler_b").get("/api/warnings/export?format=csv").content)
    assert list(as_csv[0]) == list(WARNING_HEADER)
    assert {int(r["预警编号"]) for r in as_csv} == b_ids


def test_the_office_exports_every_warning_with_the_list_filters(
    world: World, runtime: Runtime,
) -> None:
    office = world.client("office")
    everything = _csv(office.get("/api/warnings/export").content)
    assert {int(r["预警编号"]) for r in everything} == (
        _warning_ids(runtime, "CGZX") | _warning_ids(runtime, "CWK"))
    ids = [int(r["预警编号"]) for r in everything]
    with runtime.sessions() as session:  # newest first: ids are opaque, not in raise order
        raised = {row[0]: row for row in session.execute(
            select(RiskWarning.id, RiskWarning.created_at, RiskWarning.signal_id))}
    assert ids == sorted(ids, key=lambda i: (*raised[i][1:], i), reverse=True)
    by_department = [r for r in everything if r["对象类型"] == "部门"]
    assert by_department, "the world has no department subject to check"
    assert all(r["对象"] == r["责任部门"] for r in by_department), "a code, not the name"
    only_a = _csv(office.get("/api/warnings/export?department=CGZX&state=open&response=").content)
    assert {int(r["预警编号"]) for r in only_a} == _warning_ids(runtime, "CGZX")
    assert _csv(office.get("/api/warnings/export?state=closed").content) == []
    assert _csv(office.get("/api/warnings/export?risk_point=CW-001").content) == []
    assert office.get("/api/warnings/export?response=scolding").status_code == 422
    assert office.get("/api/warnings/export?format=pdf").status_code == 422
    assert TestClient(world.app).get("/api/warnings/export").status_code == 401


def test_a_handler_s_signal_export_has_no_confidential_signal(world: World) -> None:
    for fmt in ("csv", "xlsx"):
        got = world.client("handler_b").get(f"/api/signals/export?format={fmt}")
        assert got.status_code == 200
        rows = _csv(got.content) if fmt == "csv" else _xlsx(got.content)
        assert [int(str(r["信号编号"])) for r in rows] == [world.audit_b]
        assert "保密渠道" not in rows[0] and rows[0]["渠道"] == "审计"
        text = got.content.decode("utf-8-sig") if fmt == "csv" else str(rows)
        assert SECRET_WORD not in text and "举报" not in text
    handler_a = _csv(world.client("handler_a").get("/api/signals/export").content)
    assert [int(r["信号编号"]) for r in handler_a] == [world.audit_a]


def test_the_office_export_has_petition_text_and_cases_but_never_a_reporter(
    world: World,
) -> None:
    got = world.client("office").get("/api/signals/export?format=xlsx")
    rows = {r["信号编号"]: r for r in _xlsx(got.content)}
    assert set(rows) == {world.first, *world.repeats, world.petition_b, world.audit_a,
                         world.audit_b}
    assert SECRET_WORD in str(rows[world.first]["内容"])
    for member in (world.first, *world.repeats):
        assert (rows[member]["首件信号编号"], rows[member]["同案件数"]) == (world.first, 3)
    assert rows[world.petition_b]["同案件数"] is None
    assert rows[world.audit_b]["涉及金额（元）"] == pytest.approx(float(Decimal("8800.50")))
    as_csv = world.client("office").get("/api/signals/export?format=csv").content
    for data in (got.content, as_csv):
        text = str(_xlsx(data)) if data is got.content else data.decode("utf-8-sig")
        for value in REPORTER.values():
            assert value not in text
    assert list(_csv(as_csv)[0]) == list(SIGNAL_HEADER)


def test_a_reviewer_gets_confidential_signals_with_their_text_redacted(world: World) -> None:
    rows = {int(r["信号编号"]): r
            for r in _csv(world.client("reviewer").get("/api/signals/export").content)}
    assert rows[world.first]["内容"] == REDACTED
    assert rows[world.first]["标题"] == "关于采购中心串标的举报"
    assert rows[world.audit_a]["内容"] == "设备采购存在陪标情况"
    assert SECRET_WORD not in str(rows)


def test_signal_page_and_api_redact_petition_text_like_the_export(world: World) -> None:
    for user in ("reviewer", "office", "admin"):
        client = world.client(user)
        page = client.get(f"/signals/{world.first}")
        api = client.get(f"/api/signals/{world.first}")
        assert page.status_code == api.status_code == 200, (user, page.text, api.text)
        assert "关于采购中心串标的举报" in page.text and api.json()["channel"] == "petition"
        reads = user != "reviewer"
        assert (SECRET_WORD in page.text) is reads and (REDACTED in page.text) is not reads
        assert (api.json()["text"] == REDACTED) is not reads
        assert (SECRET_WORD in api.text) is reads
        audit = client.get(f"/api/signals/{world.audit_a}").json()
        assert audit["text"] == "设备采购存在陪标情况"
        assert "设备采购存在陪标情况" in client.get(f"/signals/{world.audit_a}").text
    handler = world.client("handler_a")
    assert handler.get(f"/signals/{world.first}").status_code == 404
    assert handler.get(f"/api/signals/{world.first}").status_code == 403


def test_signal_filters_and_formula_text_stay_harmless(world: World) -> None:
    office = world.client("office")
    audit = _csv(office.get("/api/signals/export?channel=audit&q=审计发现").content)
    assert [int(r["信号编号"]) for r in audit] == [world.audit_b, world.audit_a]
    assert audit[1]["标题"] == "'=HYPERLINK(\"http://x\")审计发现"
    sheet = load_workbook(io.BytesIO(
        office.get("/api/signals/export?format=xlsx&department=CGZX&channel=audit").content
    )).worksheets[0]
    title = sheet.cell(row=2, column=SIGNAL_HEADER.index("标题") + 1)
    assert title.value == "=HYPERLINK(\"http://x\")审计发现" and title.data_type == "s"
    assert sheet.max_row == 2


def test_export_routes_are_not_taken_for_signal_ids(world: World) -> None:
    spec = world.client("office").get("/openapi.json").json()
    for path in ("/api/warnings/export", "/api/signals/export"):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert XLSX in content and "text/csv; charset=utf-8" in content
    assert world.client("office").get(f"/api/signals/{world.audit_a}").status_code == 200


def test_the_command_line_exports_both_lists(
    world: World, runtime: Runtime, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    runner = CliRunner()
    signals = tmp_path / "信号.xlsx"
    done = runner.invoke(cli, ["signal", "export", str(signals), "--channel", "petition"])
    assert done.exit_code == 0, done.output
    assert "已导出 4 条信号" in done.output
    rows = _xlsx(signals.read_bytes())
    assert {r["信号编号"] for r in rows} == {world.first, *world.repeats, world.petition_b}
    assert not any(value in str(rows) for value in REPORTER.values())
    warnings = tmp_path / "warnings.csv"
    done = runner.invoke(cli, ["warnings", "export", str(warnings), "--department", "CWK"])
    assert done.exit_code == 0, done.output
    exported = {int(r["预警编号"]) for r in _csv(warnings.read_bytes())}
    assert exported == _warning_ids(runtime, "CWK")
    refused = runner.invoke(cli, ["warnings", "export", str(tmp_path / "w.pdf")])
    assert refused.exit_code == 1 and ".csv" in refused.output


HOSTILE = {"title": "＝HYPERLINK(\"http://x\",\"点我\")", "person": "\u3000＠SUM(A1)",
           "external_id": " -1+1", "department": "＋财务科"}


def _runs_as_formula(cell: str) -> bool:
    """Tell whether Excel or WPS would run a .csv cell as a formula (an apostrophe stops it)."""
    body = cell.lstrip(" \u3000\xa0\n")
    return cell.startswith(("\t", "\r")) or (
        body[:1] in ("=", "+", "-", "@", "＝", "＋", "－", "＠"))


def test_full_width_and_indented_formulas_from_any_field_stay_text(
    world: World, runtime: Runtime,
) -> None:
    with runtime.sessions() as session, session.begin():
        session.scalars(select(Department).where(Department.code == "CWK")).one().name = (
            HOSTILE["department"])
    runtime.intake.ingest([SignalIn(
        channel="audit", external_id=HOSTILE["external_id"], title=HOSTILE["title"],
        text="=1+1", person=HOSTILE["person"], department="CWK", amount=Decimal("1"))])
    office = world.client("office")
    signals = _csv(office.get("/api/signals/export").content)
    warnings = _csv(office.get("/api/warnings/export").content)
    cells = [c for row in signals + warnings for c in row.values()]
    assert not [c for c in cells if _runs_as_formula(c)]
    newest = signals[0]
    stored = {key: value.strip() for key, value in HOSTILE.items()}  # intake trims fields
    assert (newest["标题"], newest["涉及人员"], newest["来文编号"], newest["涉及部门"]) == (
        "'" + stored["title"], "'" + stored["person"], "'" + stored["external_id"],
        "'" + stored["department"])
    assert {r["责任部门"] for r in warnings} >= {"'" + HOSTILE["department"]}
    rows = _xlsx(office.get("/api/signals/export?format=xlsx").content)
    assert (rows[0]["标题"], rows[0]["涉及人员"], rows[0]["涉及部门"]) == (
        stored["title"], stored["person"], stored["department"])
