"""The review as documents: the written .docx report and the .xlsx with its ledger (台账)."""

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import IN_CI
from tests.integration.review_world import ReviewWorld, _Builder, at, build_review_world
from warning.cli.main import cli
from warning.review import charts
from warning.runtime import Runtime
from warning.web.app import create_app

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def world(runtime: Runtime) -> ReviewWorld:
    return build_review_world(runtime.sessions)


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as client:
        yield client


def _export(client: TestClient, world: ReviewWorld, user: str, fmt: str) -> bytes:
    got = client.get(f"/api/review/export?quarter=2026Q3&format={fmt}",
                     headers={"Authorization": f"Bearer {world.tokens[user]}"})
    assert got.status_code == 200, got.text
    return got.content


def _tables(content: bytes) -> dict[str, list[list[str]]]:
    """Return each table of a .docx by its caption (the paragraph before it)."""
    doc = Document(io.BytesIO(content))
    body = doc.element.body
    tables: dict[str, list[list[str]]] = {}
    caption = ""
    by_element = {t._element: t for t in doc.tables}
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t"))
            if text.strip():
                caption = text.strip()
        elif child in by_element:
            tables[caption] = [[c.text for c in row.cells] for row in by_element[child].rows]
    return tables


def test_the_written_report_has_the_sections_and_the_figures(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    content = _export(app_client, world, "office", "docx")
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026年第三季度廉洁风险预警防控工作情况报告" in text
    for heading in ("一、总体情况", "二、预警信息来源", "三、预警分布", "四、处置情况",
                    "五、重复对象与反复出现的风险点", "六、风险点清单动态管理"):
        assert heading in text
    assert "共收集预警信息 4 条，下达预警 6 件" in text
    assert "退回率 33%" in text
    tables = _tables(content)
    departments = {row[0]: row[1:] for row in tables["表3  预警与处置·按部门"][1:]}
    assert departments["采购中心"] == ["3", "2", "2", "0", "1", "1", "0"]
    assert tables["表1  主要指标与上季度、去年同期对比"][1] == ["信号数", "4", "1", "0"]
    channels = {row[0]: row[1:] for row in tables["表2  信号·按渠道"][1:]}
    assert sum(int(v[0]) for v in channels.values()) == 4
    if charts.cjk_font() is not None:
        assert len(doc.inline_shapes) >= 2  # the trend and the channel charts
    else:
        assert charts.NO_FONT in text


def test_control_characters_from_a_signal_do_not_break_the_report(
    world: ReviewWorld, runtime: Runtime, app_client: TestClient,
) -> None:
    # Only NUL is refused at intake: a person named with a vertical tab (pasted from Word)
    # reaches the repeat subjects, which python-docx refused to write (500).
    b = _Builder(runtime.sessions)
    signal = b.signal("audit", "CWK", at(9, 3), "S-ctl")
    b.warning("CW-001", "CWK", at(9, 3), "reminder", "person:林\x0b小\x01红", signal, repeat=2)
    tables = _tables(_export(app_client, world, "office", "docx"))
    assert "林小红" in [row[1] for row in tables["表7  重复对象"][1:]]


def test_a_handler_report_holds_only_their_department(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    content = _export(app_client, world, "cg", "docx")
    tables = _tables(content)
    assert [row[0] for row in tables["表3  预警与处置·按部门"][1:]] == ["采购中心"]
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "财务科" not in text and "共收集预警信息 1 条" in text


def test_the_workbook_carries_the_ledger_of_every_record_of_the_quarter(
    world: ReviewWorld, app_client: TestClient,
) -> None:
    book = load_workbook(io.BytesIO(_export(app_client, world, "office", "xlsx")))
    assert {"概况", "近八个季度", "同比环比", "处置用时", "从未命中的风险点", "台账"} <= set(
        book.sheetnames)
    rows = list(book["台账"].iter_rows(values_only=True))
    # named by the warning's number: a record's own, given in sequence, is not shown
    assert rows[0][:2] == ("预警编号", "下达时间")
    # W1–W6 raised in Q3; W0 and W8 were closed in Q2 and W7 is Q4's: not in the ledger.
    ids = {row[0] for row in rows[1:]}
    assert ids == {world.warnings[w] for w in ("W1", "W2", "W3", "W4", "W5", "W6")}
    handler = load_workbook(io.BytesIO(_export(app_client, world, "cg", "xlsx")))
    cg_ids = {row[0] for row in list(handler["台账"].iter_rows(values_only=True))[1:]}
    assert cg_ids == {world.warnings[w] for w in ("W1", "W2", "W4")}


def test_the_command_saves_the_report_for_a_quarter(
    world: ReviewWorld, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    out = tmp_path / "q3.docx"
    result = CliRunner().invoke(cli, ["review", "2026Q3", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "表3  预警与处置·按部门" in _tables(out.read_bytes())
    refused = CliRunner().invoke(cli, ["review", "2026Q3", "--output", str(tmp_path / "q.pdf")])
    assert refused.exit_code != 0 and ".docx" in refused.output
    bad = CliRunner().invoke(cli, ["review", "2026Q7"])
    assert bad.exit_code != 0 and "2026Q3" in bad.output and "Traceback" not in bad.output


def test_libreoffice_converts_the_report_to_pdf(
    world: ReviewWorld, app_client: TestClient, tmp_path: Path,
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        message = ("LibreOffice not installed: apt-get install libreoffice-writer-nogui "
                   "(.ci/run installs it)")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "report.docx"
    source.write_bytes(_export(app_client, world, "office", "docx"))
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=180, env=env,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "总体情况" in text and "采购中心" in text


def test_a_future_quarter_says_it_has_not_started_in_the_command_and_the_report(
    world: ReviewWorld, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page says a future quarter has not started; the command and the report printed
    zeros "统计截至" a day before the quarter began, as if it had been counted."""
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    out = tmp_path / "future.docx"
    result = CliRunner().invoke(cli, ["review", "2099Q1", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "2099年第一季度尚未开始" in result.output
    text = "\n".join(p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "2099年第一季度尚未开始" in text
    past = CliRunner().invoke(cli, ["review", "2026Q3"])
    assert past.exit_code == 0 and "尚未开始" not in past.output
