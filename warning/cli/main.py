"""The `qingfeng` console command."""

import logging

import click

from warning import __version__
from warning.cli.backup_cmd import backup, restore
from warning.cli.config_cmd import config, with_overrides
from warning.cli.db_cmd import db_group
from warning.cli.export_cmd import warnings_group
from warning.cli.org_cmd import org_group
from warning.cli.register_cmd import register_group
from warning.cli.review_cmd import review
from warning.cli.rules_cmd import rules_group_with
from warning.cli.scan_cmd import scan
from warning.cli.serve_cmd import serve
from warning.cli.signal_cmd import signal_group
from warning.cli.user_cmd import audit_group, user_group
from warning.petitions.cli import reporter_key


def known_refs() -> tuple[set[str] | None, set[str] | None]:
    """Return the register's risk point codes and the channel ids, from the channel files."""
    from sqlalchemy import func, select

    from warning.channels.loader import check_channels
    from warning.db.engine import make_engine, make_sessionmaker
    from warning.db.migrate import NotMigratedError, require_migrated
    from warning.db.models import Department, RiskPoint
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
        departments = session.scalar(select(func.count()).select_from(Department))
    if not points:
        first = "" if departments else "单位组织 (qingfeng org import FILE), 再导入"
        click.secho(
            f"风险点清单为空, 跳过风险点编号检查: 请先导入{first}风险点清单 "
            "(qingfeng register import FILE); 见 docs/setup-office.md",
            fg="yellow", err=True,
        )
        return None, channels
    return points, channels


@with_overrides
@click.group()
@click.version_option(__version__, prog_name="qingfeng")
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def cli(verbose: bool) -> None:
    """清风 Qingfeng: 廉政风险预警防控 (integrity-risk early warning)."""
    from pydantic import ValidationError

    from warning.ops.logs import configure_logging
    from warning.settings import load_settings

    try:
        log_format = load_settings().log_format
    except ValidationError as error:
        problems = "; ".join(
            f"QINGFENG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        click.secho(f"设置有误 (invalid setting): {problems}", fg="red", err=True)
        raise SystemExit(2) from None
    configure_logging(log_format, logging.DEBUG if verbose else logging.INFO)


for command in (
    db_group,
    serve,
    org_group,
    signal_group,
    register_group,
    rules_group_with(known_refs),
    scan,
    user_group,
    audit_group,
    reporter_key,
    warnings_group,
    review,
    config,
    backup,
    restore,
):
    cli.add_command(command)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
