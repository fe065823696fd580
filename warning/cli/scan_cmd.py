"""`qingfeng scan [CHANNEL]`: scan the opinion feeds now and print the counts."""

from datetime import UTC, datetime

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from warning.cli.common import fail, runtime, sync_channels
from warning.cli.config_cmd import mask_url
from warning.runtime import Runtime

COUNTS = (
    ("feeds", "订阅源"),
    ("fetched", "已获取"),
    ("not_modified", "未更新(304)"),
    ("moved", "地址迁移(301)"),
    ("gone", "已失效(410)"),
    ("skipped", "跳过(已失效)"),
    ("new", "新条目"),
    ("edited", "已修改条目"),
    ("relevant", "相关条目"),
    ("dropped", "过滤掉"),
    ("signals", "新增预警信息"),
    ("errors", "出错的订阅源"),
    ("notified", "已通知办公室"),
    ("store_errors", "保存失败"),
)


@click.command("scan")
@click.argument("channel", required=False)
def scan(channel: str | None) -> None:
    """Scan the feed channels (or one) now and print what was found."""
    from warning.feeds.service import FeedChannelNotFound, scan_now

    columns = (
        TextColumn("扫描订阅源"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with runtime(load_rules=False) as rt, Progress(*columns, transient=True) as bar:
        sync_channels(rt, "扫描")
        for problem in rt.rules.load():  # after the channels, which rules refer to
            click.secho(str(problem), fg="yellow", err=True)
        task = bar.add_task("", total=None)

        def tick(done: int, total: int, outcome: object) -> None:
            bar.update(task, completed=done, total=total,
                       description=str(getattr(outcome, "feed_id", "")))

        started = datetime.now(UTC)
        try:
            totals = scan_now(rt, channel, tick)
        except FeedChannelNotFound as error:
            fail(str(error))
        failed = _failed_since(rt, started) if totals.errors else []
    for name, label in COUNTS:
        value = getattr(totals, name)
        if value or name in ("feeds", "new", "signals", "errors"):
            click.echo(f"{label}：{value}")
    if totals.errors:
        click.secho("部分订阅源扫描失败 (也见渠道页与扫描记录 scan_runs):", fg="yellow")
        for code, url, error in failed:
            click.secho(f"  {code} {mask_url(url)}: {error}", fg="yellow")


def _failed_since(rt: Runtime, started: datetime) -> list[tuple[str, str, str]]:
    """Return (channel, address, last error) of the feeds this scan found failing."""
    from sqlalchemy import select

    from warning.db.models import Channel

    with rt.sessions() as session:
        rows = session.execute(
            select(Channel.code, Channel.url, Channel.last_error)
            .where(Channel.consecutive_failures > 0, Channel.last_run_at >= started)
            .order_by(Channel.code)).all()
    return [(code, url, error) for code, url, error in rows]
