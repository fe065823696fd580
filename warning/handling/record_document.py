"""The handling record (《廉洁风险预警处置记录》) as an editable .docx (python-docx)."""

import io
from collections.abc import Callable
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.run import Run

from warning.exports.files import xml_legal
from warning.handling.record_form import TITLE, RecordForm, Step

FONT = "宋体"


def _run(run: Run, size: float, bold: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _fill(cell: _Cell, text: str, bold: bool = False) -> None:
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        # only NUL is refused at intake; python-docx refuses the other control characters
        _run(paragraph.add_run(xml_legal(line)), 10.5, bold)


def _steps(steps: list[Step], local: Callable[[datetime | None], str], empty: str) -> str:
    if not steps:
        return empty
    lines = []
    for step in steps:
        lines.append(f"{local(step.at)} {step.who}")
        if step.text:
            lines.append(step.text)
        if step.files:
            lines.append("附件：" + "、".join(step.files))
    return "\n".join(lines)


def record_docx(form: RecordForm, local: Callable[[datetime | None], str], printed: str) -> bytes:
    """Return the record as a one-table A4 form, its times shown by `local`."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading.add_run(TITLE), 18, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(number.add_run(f"编号：{form.number}"), 10.5)
    received = f"{local(form.received.at)} {form.received.who}" if form.received else "未签收"
    rows: list[tuple[str, str, str, str] | tuple[str, str]] = [
        ("责任部门", form.department, "下达时间", local(form.issued_at)),
        ("风险点", f"{form.risk_point}（{form.category_level}）"),
        ("风险表现", form.manifestation or "—"),
        ("预警来源", "；".join(form.sources) or "—"),
        ("预警对象", form.subject, "处置措施（下达）", form.graded),
        ("签收期限", local(form.receive_due_at) or "—", "上报期限",
         local(form.report_due_at) or "—"),
        ("签收", received, "责任人", form.responsible_person or "—"),
        ("整改情况", _steps(form.reports, local, "（尚未上报）")),
        ("评估意见", _steps(form.evaluations, local, "（尚未评估）")),
        ("实际采取的处置措施", form.measure or "—", "办结时间", local(form.closed_at) or "—"),
        ("当前状态", form.state),
        ("部门负责人（签字）", "", "防控办负责人（签字）", ""),
    ]
    if form.withdrawn:
        rows.insert(-2, ("撤销", f"{local(form.withdrawn.at)} {form.withdrawn.who}："
                                 f"{form.withdrawn.text}"))
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in rows:
        cells = table.add_row().cells
        _fill(cells[0], row[0], bold=True)
        if len(row) == 4:
            _fill(cells[1], row[1])
            _fill(cells[2], row[2], bold=True)
            _fill(cells[3], row[3])
        else:
            merged = cells[1].merge(cells[3])
            _fill(merged, row[1])
    foot = doc.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(foot.add_run(f"打印时间：{printed}（北京时间）"), 9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
