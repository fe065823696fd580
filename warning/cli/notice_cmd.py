"""`qingfeng notice requeue`: send again what was not delivered, once the cause is fixed: the
deliveries given up, and the notices that had no recipient when they were expanded."""

import click

from warning.cli.common import runtime
from warning.notify.outbox import reopen_unrouted, requeue_failed


@click.group("notice")
def notice_group() -> None:
    """通知投递 (notice delivery)."""


@notice_group.command("requeue")
@click.argument("notice_ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
def requeue_deliveries(notice_ids: tuple[int, ...]) -> None:
    """Send again (all, or those of the given notices) the deliveries given up (已放弃) and
    the notices that had no recipient (无接收渠道), to the recipients configured now."""
    with runtime(load_rules=False) as rt, rt.sessions() as session, session.begin():
        count = requeue_failed(session, notice_ids)
        reopened = reopen_unrouted(session, notice_ids)
    click.echo(f"已重新排队 {count} 条投递，定时任务将重新发送 (requeued {count} delivery(ies))")
    if reopened:
        click.echo(f"另有 {reopened} 条通知当时无接收渠道，将按现在的邮箱和 Webhook 设置重新投递 "
                   f"(reopened {reopened} notice(s) that had no recipient)")
