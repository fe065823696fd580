"""Apply Alembic migrations and tell whether a database is up to date.

Every command that opens the database checks its revision first. Importing Alembic (and
Mako and Pygments with it) cost ~0.35 s of CPU, a tenth of importing 1,000 signals
through `qingfeng signal import`; the check reads the revision with one query and finds
the head by reading the revision lines of the migration files, and Alembic is imported
only to migrate (or when those lines do not give exactly one head).
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:["']([^"']*)["']|(None))\s*(?:#.*)?$""",
    re.MULTILINE,
)


class NotMigratedError(RuntimeError):
    """The database is missing migrations; the message names the command to run."""


def alembic_config(url: str) -> "Config":
    """Build an Alembic configuration for the database at `url`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def head_revision(url: str = "") -> str:
    """Return the newest migration this code knows."""
    return _declared_head() or _alembic_head(url)


@lru_cache(maxsize=1)
def _declared() -> tuple[frozenset[str], str]:
    """Return the revisions the migration files declare and their one head; ((), "") if
    these lines do not describe them."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = {name: value or none for name, value, none in
                 _LINE.findall(path.read_text(encoding="utf-8"))}
        if "revision" not in found or "down_revision" not in found:
            return frozenset(), ""  # a file these lines do not describe (a merge, another style)
        revisions.add(found["revision"])
        if found["down_revision"] != "None":
            revised.add(found["down_revision"])
    heads = revisions - revised
    if len(heads) != 1 or not revised <= revisions:
        return frozenset(), ""
    return frozenset(revisions), heads.pop()


def _declared_head() -> str:
    """Return the one revision no migration file revises, or "" if that is not clear."""
    return _declared()[1]


def known_revisions(url: str = "") -> frozenset[str]:
    """Return every revision this code's migrations know."""
    declared = _declared()[0]
    if declared:
        return declared
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url or "sqlite://"))
    return frozenset(revision.revision for revision in script.walk_revisions())


def _alembic_head(url: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url or "sqlite://")).get_current_head() or ""


def newer_than_code(revision: str | None, url: str = "") -> bool:
    """Tell whether `revision` comes from a newer Qingfeng: a migration this code lacks."""
    return revision is not None and revision not in known_revisions(url)


def newer_release_message(revision: str, url: str = "") -> str:
    """Explain that a database (or backup) at `revision` needs the release that made it."""
    return (f"数据库版本 {revision} 来自更新版本的清风 (本版本最新为 {head_revision(url)}; "
            "a newer release migrated it): 请安装迁移它的清风版本, 或恢复升级前的备份; "
            "数据库不能降级 (a database cannot go back)")


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None if it was never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:
        raise NotMigratedError(f"数据库有多个版本 {sorted(versions)} (several heads)")
    return versions[0] if versions else None


def require_migrated(engine: Engine) -> None:
    """Refuse to go on unless the database is at the newest migration."""
    current = current_revision(engine)
    url = engine.url.render_as_string(hide_password=False)
    head = head_revision(url)
    if current is not None and newer_than_code(current, url):
        raise NotMigratedError(newer_release_message(current, url))
    if current != head:
        state = "未初始化" if current is None else f"版本 {current}，最新为 {head}"
        raise NotMigratedError(
            f"数据库{state} (database not migrated). 请先运行 / run: qingfeng db upgrade"
        )
