"""`qingfeng notice requeue`: send again the deliveries given up, once the cause is fixed."""

import click

from warning.cli.common import runtime
from warning.notify.outbox import requeue_failed


@click.group("notice")
def notice_group() -> None:
    """通知投递 (notice delivery)."""


@notice_group.command("requeue")
@click.argument("notice_ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
def requeue_deliveries(notice_ids: tuple[int, ...]) -> None:
    """Put deliveries given up (已放弃; all, or those of the given notices) back to send."""
    with runtime(load_rules=False) as rt, rt.sessions() as session, session.begin():
        count = requeue_failed(session, notice_ids)
    click.echo(f"已重新排队 {count} 条投递，定时任务将重新发送 (requeued {count} delivery(ies))")
