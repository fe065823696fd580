"""The `qingfeng` console command."""

import logging
import sys

import click

from warning import __version__
from warning.cli.common import fail
from warning.cli.db_cmd import db_group
from warning.cli.export_cmd import warnings_group
from warning.cli.register_cmd import register_group
from warning.cli.review_cmd import review
from warning.cli.rules_cmd import rules_group_with
from warning.cli.scan_cmd import scan
from warning.cli.serve_cmd import serve
from warning.cli.signal_cmd import signal_group
from warning.cli.user_cmd import audit_group, user_group
from warning.domain.input_text import bad_text
from warning.petitions.cli import reporter_key


def known_refs() -> tuple[set[str] | None, set[str] | None]:
    """Return the register's risk point codes and the channel ids, from the channel files."""
    from sqlalchemy import select

    from warning.channels.loader import check_channels
    from warning.db.engine import make_engine, make_sessionmaker
    from warning.db.migrate import NotMigratedError, require_migrated
    from warning.db.models import RiskPoint
    from warning.settings import load_settings

    settings = load_settings()
    definitions, _ = check_channels(settings.channels_dir)
    channels = {d.id for d in definitions}
    engine = make_engine(settings.database_url)
    try:
        require_migrated(engine)
    except NotMigratedError:
        click.secho(
            "数据库未迁移，跳过风险点编号检查 (run qingfeng db upgrade)", fg="yellow", err=True
        )
        return None, channels
    finally:
        engine.dispose()
    with make_sessionmaker(make_engine(settings.database_url))() as session:
        points = set(session.scalars(select(RiskPoint.code)))
    return points, channels


@click.group()
@click.version_option(__version__, prog_name="qingfeng")
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def cli(verbose: bool) -> None:
    """清风 Qingfeng: 廉政风险预警防控 (integrity-risk early warning)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for command in (
    db_group,
    serve,
    signal_group,
    register_group,
    rules_group_with(known_refs),
    scan,
    user_group,
    audit_group,
    reporter_key,
    warnings_group,
    review,
):
    cli.add_command(command)


def main() -> None:
    """Run the command line; refuse arguments that are not valid text first."""
    for argument in sys.argv[1:]:
        problem = bad_text(argument)  # undecodable bytes arrive as lone surrogates
        if problem is not None:
            fail(f"参数“{argument.encode('utf-8', 'replace').decode()}”无效: {problem}"
                 " (arguments must be UTF-8 text)")
    cli()


if __name__ == "__main__":
    main()
