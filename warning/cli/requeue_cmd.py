"""`qingfeng signal requeue`: evaluate dead signals again once their cause is fixed."""

import click

from warning.cli.common import runtime
from warning.cli.types import ROW_ID
from warning.services.evaluation_claims import requeue


@click.command("requeue")
@click.argument("ids", nargs=-1, type=ROW_ID)
def requeue_signals(ids: tuple[int, ...]) -> None:
    """Put dead signals (or the given dead or failed ones) back for the retry job."""
    with runtime(load_rules=False) as rt, rt.sessions() as session, session.begin():
        count = requeue(session, list(ids) or None)
    click.echo(f"已重新排队 {count} 条信号，定时任务将重新研判 (requeued {count} signal(s))")
