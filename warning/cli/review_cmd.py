"""`qingfeng review [2026Q3] [--output FILE.docx|FILE.xlsx]`: a quarter's review.

Like the exports, the command line reads with the database's own credentials: every
department. Reporters are not in the tables a review reads.
"""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from warning.cli.common import fail, runtime
from warning.cli.errors import OutputFile
from warning.domain.quarter import InvalidQuarter, Quarter
from warning.review.figures import build_review
from warning.review.files import ReviewFormat, review_file
from warning.review.model import Review
from warning.review.narrative import not_started_text
from warning.review.workbook import SUMMARY_ROWS

FILE = OutputFile()
SHOWN_POINTS = 5


def _summary(review: Review) -> Table:
    table = Table(title=f"{review.label}（{review.quarter}）季度审查", title_justify="left")
    table.add_column("项目")
    table.add_column("数值", justify="right")
    totals = review.summary.model_dump()
    for key, label in SUMMARY_ROWS:
        table.add_row(label, str(totals[key]))
    return table


def _departments(review: Review) -> Table:
    table = Table(title="预警 · 按部门", title_justify="left")
    table.add_column("部门")
    for header in ("新下达", "办结", "按期", "逾期办结", "逾期", "退回"):
        table.add_column(header, justify="right")
    for d in review.warnings_by_department:
        table.add_row(d.name, *(str(n) for n in (d.warnings, d.closed, d.closed_on_time,
                                                  d.closed_late, d.overdue, d.returned)))
    return table


def _points(review: Review) -> Table:
    table = Table(title=f"反复命中的风险点（前 {SHOWN_POINTS} 个）", title_justify="left")
    table.add_column("编号")
    table.add_column("风险点")
    table.add_column("等级")
    table.add_column("本季度", justify="right")
    table.add_column("上季度", justify="right")
    table.add_column("建议")
    for p in review.hot_risk_points[:SHOWN_POINTS]:
        table.add_row(p.code, p.name, p.level_label, str(p.warnings), str(p.previous_quarter),
                      p.advice_label)
    return table


@click.command("review")
@click.argument("quarter_arg", metavar="[QUARTER]", required=False, default="")
@click.option("--quarter", default="", help="季度，如 2026Q3；缺省为本季度（北京时间）")
@click.option("--output", type=FILE, default=None,
              help="另存为 .docx（书面报告）或 .xlsx（每张表一个工作表，含台账）")
def review(quarter_arg: str, quarter: str, output: Path | None) -> None:
    """Print a quarter's review (季度审查) of every department; optionally save it."""
    quarter = quarter or quarter_arg
    formats = {f".{f.value}": f for f in ReviewFormat}
    if output is not None and output.suffix.lower() not in formats:
        fail(f"{output}: 只支持 .docx 或 .xlsx (use .docx or .xlsx)")
    with runtime(load_rules=False) as rt:
        tz = ZoneInfo(rt.settings.timezone)
        now = datetime.now(UTC)
        try:
            wanted = Quarter.parse(quarter) if quarter.strip() else Quarter.containing(now, tz)
        except InvalidQuarter as error:
            fail(error.message)
        with rt.sessions() as session:
            figures = build_review(session, principal=None, quarter=wanted, now=now, tz=tz)
            made = None if output is None else review_file(
                session, principal=None, quarter=wanted, now=now, tz=tz,
                fmt=formats[output.suffix.lower()])
    console = Console()
    if figures.not_started:
        console.print(not_started_text(figures))
    console.print(_summary(figures))
    if figures.warnings_by_department:
        console.print(_departments(figures))
    if figures.hot_risk_points:
        console.print(_points(figures))
    if output is not None and made is not None:
        output.write_bytes(made.content)
        click.echo(f"已保存 {figures.label}季度审查到 {output}")
