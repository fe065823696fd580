"""`qingfeng db upgrade` and `qingfeng db current`."""

import click

from warning.cli.common import settings
from warning.db.engine import make_engine
from warning.db.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Migrate the database named by QINGFENG_DATABASE_URL."""
    url = settings().database_url
    upgrade(url, revision)
    click.echo(f"数据库已迁移到 {revision}: {make_engine(url).url.render_as_string()}")


@db_group.command("current")
def current_cmd() -> None:
    """Print the database's migration and the newest one."""
    url = settings().database_url
    engine = make_engine(url)
    click.echo(f"当前: {current_revision(engine) or '(未初始化)'}  最新: {head_revision(url)}")
    engine.dispose()
