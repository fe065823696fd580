"""`qingfeng signal export FILE` and `qingfeng warnings export FILE` (.csv or .xlsx).

The command line runs with the database's own credentials, so it exports every department
and the office's view of confidential text; reporters are never read, so never exported.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from warning.cli.common import fail, runtime
from warning.cli.errors import OutputFile
from warning.domain.lifecycle import DomainError
from warning.exports.files import ExportFormat, Table, to_bytes
from warning.exports.signal_table import signal_table
from warning.exports.warning_table import warning_table
from warning.runtime import Runtime
from warning.services.list_filters import SignalFilters, WarningFilters

FILE = OutputFile()


def _write(file: Path, build: Callable[[Runtime], Table]) -> None:
    try:
        fmt = ExportFormat(file.suffix.lower().lstrip("."))
    except ValueError:
        fail(f"{file}: 只支持 .csv 或 .xlsx (use .csv or .xlsx)")
    with runtime(load_rules=False) as rt:
        try:
            table = build(rt)
        except DomainError as error:  # too many rows, or a filter that names nothing
            fail(error.message)
    file.write_bytes(to_bytes(table, fmt))
    click.echo(f"已导出 {len(table.rows)} 条{table.title}到 {file}")


@click.command("export")
@click.argument("file", type=FILE)
@click.option("--channel", default="", help="渠道 id")
@click.option("--department", default="", help="部门编码")
@click.option("--status", default="", help="received / evaluated / failed")
@click.option("--q", default="", help="标题、来文编号或人员中包含的文字")
@click.option("--since", default="", help="接收日期从（YYYY-MM-DD，本地时区）")
@click.option("--until", default="", help="接收日期至（含当日）")
def export_signals(
    file: Path, channel: str, department: str, status: str, q: str, since: str, until: str,
) -> None:
    """Export signals to FILE (.csv UTF-8 with BOM, or .xlsx), newest first."""
    filters = SignalFilters(channel, department, status, q, since, until)

    def build(rt: Runtime) -> Table:
        zone = rt.settings.timezone
        with rt.sessions() as session:
            return signal_table(session, None, replace(filters, zone=zone), timezone=zone)

    _write(file, build)


@click.group("warnings")
def warnings_group() -> None:
    """Export warnings (预警)."""


@warnings_group.command("export")
@click.argument("file", type=FILE)
@click.option("--department", default="", help="部门编码")
@click.option("--state", default="", help="处置状态，或 open 表示全部未办结")
@click.option("--response", default="", help="reminder / talk / admonition / rectification")
@click.option("--risk-point", default="", help="风险点编号")
@click.option("--since", default="", help="下达日期从（YYYY-MM-DD，本地时区）")
@click.option("--until", default="", help="下达日期至（含当日）")
def export_warnings(
    file: Path, department: str, state: str, response: str, risk_point: str, since: str,
    until: str,
) -> None:
    """Export warnings to FILE (.csv UTF-8 with BOM, or .xlsx), newest first."""
    filters = WarningFilters(department, state, response, risk_point, since, until)

    def build(rt: Runtime) -> Table:
        zone = rt.settings.timezone
        with rt.sessions() as session:
            return warning_table(session, None, replace(filters, zone=zone), timezone=zone)

    _write(file, build)
