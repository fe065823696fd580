"""A review as the written report offices hand in (.docx): title, 一、二、三 sections, tables.

Laid out the way such reports are written (GB/T 9704 habits): the title in a heavy Song face,
first-level headings 一、二、 in Hei, second-level （一）（二） in Kai, body text in FangSong
with a two-character first-line indent, tables with Chinese headers. The office edits it in
Word or WPS before handing it in, so the last section is left for them to write.
"""

import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from warning.domain.calendar import SHANGHAI
from warning.exports.files import xml_legal
from warning.review import charts
from warning.review.model import Review
from warning.review.narrative import (
    NUMERALS,
    not_started_text,
    summary_paragraphs,
    timing_paragraph,
)

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体", "仿宋"
TABLE_FONT = "宋体"
DEPARTMENT_HEADER = ("部门", "新下达预警", "办结", "按期办结", "逾期办结", "逾期", "退回", "撤销")


def _run(paragraph: Paragraph, text: str) -> Run:
    """Add a run of `text` without the control characters XML cannot hold: only NUL is
    refused at intake, and python-docx refuses the rest (a name pasted with a tab-like
    character failed the whole report)."""
    return paragraph.add_run(xml_legal(text))


def _font(target: Run | BaseStyle, name: str, size: float, bold: bool = False) -> None:
    """Set a run's or style's font, its East Asian face included (Word reads that for 汉字)."""
    target.font.name = name  # type: ignore[union-attr]
    target.font.size = Pt(size)  # type: ignore[union-attr]
    target.font.bold = bold  # type: ignore[union-attr]
    element = target.element if isinstance(target, BaseStyle) else target._element
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


class ReportWriter:
    """Build the document section by section."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        _font(self.doc.styles["Normal"], BODY_FONT, 14)

    def title(self, text: str, subtitle: str) -> None:
        """Add the centred title and the line under it."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(_run(paragraph, text), TITLE_FONT, 22)
        note = self.doc.add_paragraph()
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(_run(note, subtitle), BODY_FONT, 12)

    def heading(self, number: int, text: str) -> None:
        """Add a first-level heading: 一、…"""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(28)
        _font(_run(paragraph, f"{NUMERALS[number]}、{text}"), HEADING_FONT, 16)

    def subheading(self, number: int, text: str) -> None:
        """Add a second-level heading: （一）…"""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(28)
        _font(_run(paragraph, f"（{NUMERALS[number]}）{text}"), SUBHEADING_FONT, 14, True)

    def para(self, text: str) -> Paragraph:
        """Add a body paragraph with a two-character indent."""
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(28)
        paragraph.paragraph_format.line_spacing = Pt(26)
        _font(_run(paragraph, text), BODY_FONT, 14)
        return paragraph

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Add a captioned table with a bold header row; an empty one says so."""
        label = self.doc.add_paragraph()
        label.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(_run(label, caption), HEADING_FONT, 11)
        if not rows:
            self.para("（本季度无此项数据）")
            return
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            _font(_run(cell.paragraphs[0], text), TABLE_FONT, 10.5, bold=True)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                _font(_run(cell.paragraphs[0], "" if value is None else str(value)),
                      TABLE_FONT, 10.5)

    def chart(self, png: bytes | None) -> None:
        """Add a chart, or say why there is none."""
        if png is None:
            self.para(charts.NO_FONT)
            return
        self.doc.add_picture(io.BytesIO(png), width=Cm(15.5))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def bytes(self) -> bytes:
        """Return the document as .docx bytes."""
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def review_docx(review: Review, *, unit: str = "", tz: ZoneInfo = SHANGHAI) -> bytes:
    """Return the review as a written report in Chinese (.docx), ready to edit."""
    w = ReportWriter()
    cutoff = review.cutoff.astimezone(tz)
    scope = "全部部门" if review.all_departments else "本人可见部门"
    w.title(f"{unit}{review.label}廉洁风险预警防控工作情况报告",
            f"（统计范围：{scope}；统计截至 {cutoff:%Y年%m月%d日 %H:%M}，北京时间）")
    w.heading(1, "总体情况")
    if review.not_started:
        w.para(not_started_text(review))
    for text in summary_paragraphs(review):
        w.para(text)
    trends = review.trends
    if trends is not None:
        w.table("表1  主要指标与上季度、去年同期对比",
                ("指标", "本季度", "上季度", "去年同期"),
                [(c.label, c.now, c.previous_quarter, c.same_quarter_last_year)
                 for c in trends.changes])
        labels = [p.label.replace("年第", "\n").replace("季度", "季") for p in trends.trend]
        w.chart(charts.bar_chart("近八个季度信号与预警", labels, {
            "信号": [p.signals for p in trends.trend],
            "预警": [p.warnings for p in trends.trend],
        }))
    w.heading(2, "预警信息来源")
    w.table("表2  信号·按渠道", ("渠道", "信号数", "引发预警的信号"),
            [(c.name, c.signals, c.raised) for c in review.signals_by_channel])
    if review.signals_by_channel:
        w.chart(charts.bar_chart("信号·按渠道", [c.name for c in review.signals_by_channel],
                                 {"信号": [c.signals for c in review.signals_by_channel]}))
    w.heading(3, "预警分布")
    w.subheading(1, "按部门")
    w.table("表3  预警与处置·按部门", DEPARTMENT_HEADER, [
        (d.name, d.warnings, d.closed, d.closed_on_time, d.closed_late, d.overdue, d.returned,
         d.withdrawn) for d in review.warnings_by_department])
    w.subheading(2, "按风险类别、等级和处置措施")
    for caption, buckets in (("表4  预警·按风险类别", review.warnings_by_category),
                             ("表5  预警·按风险等级", review.warnings_by_level),
                             ("表6  预警·按处置措施", review.warnings_by_response)):
        w.table(caption, ("分类", "预警数"), [(b.label, b.warnings) for b in buckets])
    w.heading(4, "处置情况")
    if trends is not None:
        w.para(timing_paragraph(trends.timings))
    w.table("表6-1  办结记录·实际采取的处置措施", ("处置措施", "办结记录数"),
            [(b.label, b.warnings) for b in review.measures_applied])
    w.heading(5, "重复对象与反复出现的风险点")
    w.table("表7  重复对象", ("对象类型", "对象", "部门", "预警数", "信号数"), [
        (s.subject_kind_label, s.subject_name, s.department_name, s.warnings, s.signals)
        for s in review.repeat_subjects])
    w.table("表8  本季度命中的风险点", ("编号", "风险点", "等级", "本季度预警", "上季度预警",
                                   "建议"), [
        (p.code, p.name, p.level_label, p.warnings, p.previous_quarter, p.advice_label)
        for p in review.hot_risk_points])
    w.heading(6, "风险点清单动态管理")
    if trends is not None:
        register = trends.coverage
        share = "—" if register.high_share is None else f"{register.high_share:.0%}"
        w.para(f"风险点清单共 {register.points} 个风险点，其中高等级 {register.high} 个，"
               f"占 {share}（参考比例约 {register.target_share:.0%}）；截至本季度末从未触发预警的"
               f"风险点 {len(register.never_hit)} 个。")
    w.table(f"表9  超过 {review.stale_months} 个月未复核的风险点",
            ("编号", "风险点", "等级", "责任部门", "上次复核日期"), [
                (p.code, p.name, p.level_label, p.department_name,
                 p.reviewed_on.isoformat() if p.reviewed_on else "从未复核")
                for p in review.stale_risk_points])
    w.heading(7, "存在的问题和下一步工作")
    w.para("（请结合本季度情况填写。）")
    return w.bytes()
