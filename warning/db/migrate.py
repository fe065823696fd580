"""Apply Alembic migrations and tell whether a database is up to date."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


class NotMigratedError(RuntimeError):
    """The database is missing migrations; the message names the command to run."""


def alembic_config(url: str) -> Config:
    """Build an Alembic configuration for the database at `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def head_revision(url: str) -> str:
    """Return the newest migration this code knows."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    return head or ""


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None if it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_migrated(engine: Engine) -> None:
    """Refuse to go on unless the database is at the newest migration."""
    current = current_revision(engine)
    head = head_revision(engine.url.render_as_string(hide_password=False))
    if current != head:
        state = "未初始化" if current is None else f"版本 {current}，最新为 {head}"
        raise NotMigratedError(
            f"数据库{state} (database not migrated). 请先运行 / run: qingfeng db upgrade"
        )
