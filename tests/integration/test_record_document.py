"""The handling record as the office files it: the measure applied, print view and .docx."""

import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from tests.integration.page_client import Site, act_by_form, build_site
from warning.db.models import HandlingEvent, HandlingRecord
from warning.runtime import Runtime

PETITION_TITLE = "反映设备采购存在串标"  # the site's warning comes from this petition


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _closed(site: Site, measure: str | None) -> None:
    handler, office = site.client("cg"), site.client("office")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    act_by_form(site, handler, "report", comment="已重新组织招标",
                files=[("整改报告.pdf", b"%PDF-1.7 report")])
    assert act_by_form(site, office, "return", comment="未见整改台账").status_code == 303
    act_by_form(site, handler, "report", comment="补充整改台账")
    extra = {"measure": measure} if measure is not None else {}
    answer = act_by_form(site, office, "accept", comment="整改到位，同意办结", **extra)
    assert answer.status_code == 303, answer.text


def test_accepting_records_the_measure_applied_beside_the_grade(
    site: Site, runtime: Runtime,
) -> None:
    _closed(site, "admonition")
    record = site.record()
    assert record.state == "closed" and record.measure_applied == "admonition"
    accept = [e for e in site.events() if e.action == "accept"][-1]
    with runtime.sessions() as session:
        graded = session.scalar(select(HandlingRecord.measure_applied))
    assert graded == "admonition"
    assert accept.data["measure"] == "admonition" and accept.data["graded"] != ""
    assert accept.comment == "整改到位，同意办结"


def test_the_measure_defaults_to_the_grade_and_a_bad_one_changes_nothing(
    site: Site, runtime: Runtime,
) -> None:
    handler, office = site.client("cg"), site.client("office")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    act_by_form(site, handler, "report", comment="已整改")
    before = site.record()
    refused = act_by_form(site, office, "accept", measure="expel")
    assert refused.status_code == 422 and "处置措施" in refused.text
    assert site.record().version == before.version
    assert act_by_form(site, office, "accept").status_code == 303
    with runtime.sessions() as session:
        response = session.scalar(select(HandlingEvent.data).where(
            HandlingEvent.action == "accept"))
    assert site.record().measure_applied == response["graded"]


def test_the_print_view_is_the_form_with_every_step(site: Site) -> None:
    _closed(site, "talk")
    office = site.client("office")
    page = office.get(f"/warnings/{site.warning_id}/print")
    assert page.status_code == 200
    for text in ("廉洁风险预警处置记录", "责任部门", "采购中心", "整改情况", "已重新组织招标",
                 "补充整改台账", "评估意见", "退回整改。未见整改台账", "整改到位，同意办结",
                 "实际采取的处置措施", "谈话提醒", "部门负责人（签字）", "整改报告.pdf",
                 "李敏"):
        assert text in page.text, text
    assert '<nav' not in page.text and "/static/print.css" in page.text
    handler_view = site.client("cg").get(f"/warnings/{site.warning_id}/print")
    assert handler_view.status_code == 200
    assert PETITION_TITLE not in handler_view.text and "保密渠道信息 1 条" in handler_view.text
    assert site.client("cw").get(f"/warnings/{site.warning_id}/print").status_code == 404


def test_the_record_downloads_as_an_editable_docx(site: Site) -> None:
    _closed(site, "none")
    got = site.client("office").get(f"/api/warnings/{site.warning_id}/record.docx")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    doc = Document(io.BytesIO(got.content))
    cells = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert "整改到位，同意办结" in cells["评估意见"]
    assert cells["实际采取的处置措施"] == "不采取处置措施"
    assert "补充整改台账" in cells["整改情况"]
    assert "廉洁风险预警处置记录" in doc.paragraphs[0].text
    assert site.client("cw").get(f"/api/warnings/{site.warning_id}/record.docx"
                                 ).status_code == 404


def test_a_control_character_in_a_report_does_not_break_the_docx(site: Site) -> None:
    """Only NUL is refused at intake: a report pasted from Word with a vertical tab or a
    form feed is stored as written, and python-docx refused to write it (500)."""
    handler = site.client("cg")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李\x0c敏")
    act_by_form(site, handler, "report", comment="第一条\x0b第二条\x01")
    got = site.client("office").get(f"/api/warnings/{site.warning_id}/record.docx")
    assert got.status_code == 200, got.text
    cells = {row.cells[0].text: row.cells[1].text
             for row in Document(io.BytesIO(got.content)).tables[0].rows}
    assert "第一条第二条" in cells["整改情况"]
