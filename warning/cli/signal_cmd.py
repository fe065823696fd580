"""`qingfeng signal add`, `qingfeng signal import FILE` and (from export_cmd) `signal export`."""

import json
from pathlib import Path

import click

from warning.cli.common import fail, runtime, settings, sync_channels
from warning.cli.errors import InputFile
from warning.cli.export_cmd import export_signals
from warning.cli.requeue_cmd import requeue_signals
from warning.cli.types import Bounded
from warning.domain.enums import SignalStatus
from warning.services.intake import IntakeOutcome
from warning.services.signal_files import RowError, SignalFileError, to_signal
from warning.services.signal_import import SignalFile, import_checked
from warning.services.stored_differences import Differing, stored_differs
from warning.sheets.blank_files import no_rows


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
@click.option("--amount", default=None, help="金额 (元, 至多两位小数)")  # SignalIn checks it
def add(**fields: object) -> None:
    """Log one signal and print the warnings it raised."""
    item = to_signal(0, {k: v for k, v in fields.items() if v is not None}, None)
    if isinstance(item, RowError):
        fail(item.message)
    with runtime() as rt:
        sync_channels(rt, "记录任何信号")
        outcome = rt.intake.ingest([item])[0]
        if not outcome.created and outcome.signal_id is not None:
            with rt.sessions() as session:
                differs = stored_differs(session, rt.intake.directory(session),
                                         outcome.signal_id, item)
            if differs:
                fail(Differing(0, item.external_id, outcome.signal_id, differs).message())
    _print(outcome)


@signal_group.command("import")
@click.argument("file", type=InputFile())
@click.option("--channel", default=None, help="给没有“渠道”列的行指定渠道 id")
@click.option("--batch", default=1000, show_default=True,
              type=Bounded(1, 10_000), help="每条语句写入的行数")
def import_(file: Path, channel: str | None, batch: int) -> None:
    """Import signals from .jsonl, .csv or .xlsx; any bad row imports nothing."""
    from rich.progress import Progress  # the bars: this command's alone

    source = SignalFile(file, channel, _import_columns(channel))
    # The engine child loads its shards while the file is checked and stored; evaluation
    # waits for it only if some signal has a candidate rule. The bars go when it ends
    # (transient), so a refused file is not followed by two empty bars.
    with runtime(engine_in_background=True) as rt, Progress(transient=True) as progress:
        sync_channels(rt, "导入任何信号")
        storing = progress.add_task("写入信号", total=None)
        evaluating = progress.add_task("评估信号", total=None)
        try:
            report, done = import_checked(
                source, rt, chunk=batch, stored=lambda n: progress.advance(storing, n),
                evaluated=lambda n: progress.advance(evaluating, n))
        except SignalFileError as error:
            fail(str(error))
        except ValueError as error:
            fail(f"{error}；未导入任何信号 (nothing imported)")
    if done is None:
        for problem in report.errors:
            click.secho(f"{file}:{problem.line}: {problem.message}", fg="red", err=True)
        fail(f"{report.error_count} 行有错误，未导入任何信号 (nothing imported)")
    if report.rows == 0:  # a blank file or one without a header was refused when read
        click.secho(no_rows(file, "信号"), fg="yellow", err=True)
    for row in done.differing:
        click.secho(f"{file}:{row.line}: {row.message()}", fg="yellow", err=True)
    click.echo(
        f"共 {report.rows} 行: 新增 {done.created} 条信号, 已存在 {report.rows - done.created} 条, "
        f"本次评估 {done.evaluated} 条, 产生 {done.warnings} 条预警"
    )
    failed = (f"{done.failed} 条信号已存储, 但评估失败 (原因见上方日志): 服务运行时重试任务会"
              "再评估, 多次失败的可在修正后用 qingfeng signal requeue 重新排队 "
              "(stored; their evaluation failed and is retried by the service)")
    if done.differing:
        if done.failed:
            click.secho(failed, fg="red", err=True)
        fail(f"{len(done.differing)} 行的外部编号已存在但内容不同，未更新；其余各行已导入 "
             "(rows reusing a stored key with other content were not stored)")
    if done.failed:
        fail(failed)


def _import_columns(channel: str | None) -> dict[str, str] | None:
    """Return the header map of a file channel's definition, if it has one."""
    if channel is None:
        return None
    from warning.channels.loader import check_channels

    definitions, _ = check_channels(settings().channels_dir)
    found = next((d for d in definitions if d.id == channel), None)
    return dict(found.import_.columns) if found and found.import_ else None


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
    if outcome.status == SignalStatus.FAILED.value:
        fail("信号已存储, 但评估失败 (原因见上方日志): 服务运行时重试任务会再评估 "
             "(stored; its evaluation failed and is retried by the service)")
