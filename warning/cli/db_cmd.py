"""`qingfeng db upgrade` and `qingfeng db current`."""

import click

from warning.cli.common import fail, settings
from warning.db.engine import make_engine
from warning.db.migrate import (
    current_revision,
    head_revision,
    newer_release_message,
    newer_than_code,
    upgrade,
)


@click.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Migrate the database named by QINGFENG_DATABASE_URL."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    url = settings().database_url
    engine = make_engine(url)
    try:  # Alembic would only say it cannot locate the revision a newer release wrote
        current = current_revision(engine)
    finally:
        engine.dispose()
    if newer_than_code(current, url):
        fail(newer_release_message(str(current), url))
    try:
        upgrade(url, revision)
    except CommandError as error:  # an unknown or ambiguous revision
        fail(f"无法迁移到“{revision}”: 未知的迁移版本 ({error}); 最新版本是 {head_revision(url)}")
    except SQLAlchemyError as error:  # the database refused a step: all of it rolled back
        reason = str(getattr(error, "orig", None) or error).splitlines()[0][:300]
        fail(f"迁移失败, 数据库未作任何改变 (所有迁移在同一事务中): {reason}; "
             f"当前版本 {current or '(未初始化)'}")
    engine = make_engine(url)
    try:  # the database as it is: Alembic does not go down to an older revision on upgrade
        click.echo(f"数据库已迁移到 {current_revision(engine)}: {engine.url.render_as_string()}")
    finally:
        engine.dispose()


@db_group.command("current")
def current_cmd() -> None:
    """Print the database's migration and the newest one."""
    url = settings().database_url
    engine = make_engine(url)
    click.echo(f"当前: {current_revision(engine) or '(未初始化)'}  最新: {head_revision(url)}")
    engine.dispose()
