"""`qingfeng notice requeue`: send again what was not delivered, once the cause is fixed: the
deliveries given up, and the notices that had no recipient when they were expanded."""

import click

from warning.cli.common import runtime
from warning.cli.types import ROW_ID
from warning.notify.outbox import reopen_unrouted
from warning.notify.requeue import requeue_given_up
from warning.scheduler import notify_config


@click.group("notice")
def notice_group() -> None:
    """通知投递 (notice delivery)."""


@notice_group.command("requeue")
@click.argument("notice_ids", nargs=-1, type=ROW_ID)
def requeue_deliveries(notice_ids: tuple[int, ...]) -> None:
    """Send again (all, or those of the given notices) the deliveries given up (已放弃) and
    the notices that had no recipient (无接收渠道), to the recipients configured now."""
    with runtime(load_rules=False) as rt, rt.sessions() as session, session.begin():
        done = requeue_given_up(session, notify_config(rt), notice_ids)
        reopened = reopen_unrouted(session, notice_ids)
    count = done.retried + done.added
    click.echo(f"已重新排队 {count} 条投递，定时任务将重新发送 (requeued {count} delivery(ies))")
    if done.superseded:
        click.echo(f"其中 {done.superseded} 条投递的接收地址已不在现在的设置中，已改投现在的地址 "
                   f"(superseded {done.superseded} delivery(ies) whose target is no longer "
                   "configured)")
    if reopened:
        click.echo(f"另有 {reopened} 条通知当时无接收渠道，将按现在的邮箱和 Webhook 设置重新投递 "
                   f"(reopened {reopened} notice(s) that had no recipient)")
