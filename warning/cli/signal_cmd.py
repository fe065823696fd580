"""`qingfeng signal add`, `qingfeng signal import FILE` and (from export_cmd) `signal export`."""

import json
from decimal import Decimal
from pathlib import Path

import click
from rich.progress import Progress

from warning.cli.common import fail, runtime, settings
from warning.cli.export_cmd import export_signals
from warning.cli.requeue_cmd import requeue_signals
from warning.services.intake import IntakeOutcome
from warning.services.signal_files import RowError, SignalFileError, read_rows, to_signal
from warning.services.signal_input import SignalIn


@click.group("signal")
def signal_group() -> None:
    """Log, import and export signals (预警信息)."""


signal_group.add_command(export_signals)
signal_group.add_command(requeue_signals)


@signal_group.command("add")
@click.option("--channel", required=True, help="渠道 id")
@click.option("--external-id", required=True, help="来源编号")
@click.option("--title", required=True)
@click.option("--text", default="")
@click.option("--department", default=None, help="部门编码")
@click.option("--person", default=None)
@click.option("--post", default=None)
@click.option("--amount", type=Decimal, default=None)
def add(**fields: object) -> None:
    """Log one signal and print the warnings it raised."""
    item = to_signal(0, {k: v for k, v in fields.items() if v is not None}, None)
    if isinstance(item, RowError):
        fail(item.message)
    with runtime() as rt:
        outcome = rt.intake.ingest([item])[0]
    _print(outcome)


@signal_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--channel", default=None, help="给没有“渠道”列的行指定渠道 id")
@click.option("--batch", default=1000, show_default=True, help="每批提交的条数")
def import_(file: Path, channel: str | None, batch: int) -> None:
    """Import signals from .jsonl, .csv or .xlsx; any bad row imports nothing."""
    columns = _import_columns(channel)
    lines: list[int] = []
    items: list[SignalIn] = []
    errors: list[RowError] = []
    try:
        for line, raw in read_rows(file):
            parsed = to_signal(line, raw, channel, columns)
            if isinstance(parsed, RowError):
                errors.append(parsed)
            else:
                lines.append(line)
                items.append(parsed)
    except SignalFileError as error:
        fail(str(error))
    if errors:
        for error in errors[:200]:
            click.secho(f"{file}:{error.line}: {error.message}", fg="red", err=True)
        fail(f"{len(errors)} 行有错误，未导入任何信号 (nothing imported)")
    with runtime() as rt:
        _check_refs(rt, items, lines, file)
        created = warnings = 0
        with Progress() as progress:
            task = progress.add_task("导入信号", total=len(items))
            for start in range(0, len(items), batch):
                outcomes = rt.intake.ingest(items[start : start + batch])
                created += sum(o.created for o in outcomes)
                warnings += sum(w.new for o in outcomes for w in o.warnings)
                progress.advance(task, len(outcomes))
    click.echo(
        f"共 {len(items)} 行: 新增 {created} 条信号, 已存在 {len(items) - created} 条, "
        f"产生 {warnings} 条预警"
    )


def _import_columns(channel: str | None) -> dict[str, str] | None:
    """Return the header map of a file channel's definition, if it has one."""
    if channel is None:
        return None
    from warning.channels.loader import check_channels

    definitions, _ = check_channels(settings().channels_dir)
    found = next((d for d in definitions if d.id == channel), None)
    return dict(found.import_.columns) if found and found.import_ else None


def _check_refs(rt: object, items: list[SignalIn], lines: list[int], file: Path) -> None:
    """Refuse the whole file if any row names an unknown channel or department."""
    from sqlalchemy import select

    from warning.db.models import Channel, Department

    with rt.sessions() as session:  # type: ignore[attr-defined]
        channels = set(session.scalars(select(Channel.code).where(Channel.enabled.is_(True))))
        departments = {
            value for row in session.execute(select(Department.code, Department.name))
            for value in row
        }
    problems = [
        f"{file}:{line}: 渠道“{item.channel}”不存在"
        for line, item in zip(lines, items, strict=True)
        if item.channel not in channels
    ] + [
        f"{file}:{line}: 部门编码“{item.department}”不存在"
        for line, item in zip(lines, items, strict=True)
        if item.department and item.department not in departments
    ]
    if problems:
        for problem in problems[:200]:
            click.secho(problem, fg="red", err=True)
        fail(f"{len(problems)} 处错误，未导入任何信号 (nothing imported)")


def _print(outcome: IntakeOutcome) -> None:
    if outcome.error is not None:
        fail(f"{outcome.error.field}: {outcome.error.message}")
    body = {
        "signal_id": outcome.signal_id,
        "created": outcome.created,
        "status": outcome.status,
        "warnings": [w.__dict__ for w in outcome.warnings],
    }
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))
