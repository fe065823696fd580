"""`qingfeng rules`, checked against the register's risk points, the department directory
and the channel files.

The check reads the risk point codes with one query (sqlite3 for a SQLite file, a plain
SQLAlchemy Core engine otherwise): no ORM models, no Alembic, no asyncio driver (they
doubled the command's start-up time).
"""

import contextlib
from pathlib import Path

import click

from warning.cli.rules_cmd import rules_group_with


def _sqlite_codes(path: str, table: str) -> set[str] | None:
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return {row[0] for row in db.execute(f"SELECT code FROM {table}")}
    except sqlite3.Error:  # no file, or no table yet
        return None


def _codes(url: str, table: str) -> set[str] | None:
    """Return the codes of `table` (risk_points, departments), or None when it is not there."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return _sqlite_codes(url.removeprefix("sqlite:///").split("?")[0], table)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError, ProgrammingError

    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text(f"SELECT code FROM {table}")).scalars())
    except (OperationalError, ProgrammingError):
        return None
    finally:
        engine.dispose()


def known_refs() -> tuple[set[str] | None, set[str] | None]:
    """Return the register's risk point codes and the channel ids, from the channel files."""
    from warning.channels.loader import check_channels
    from warning.settings import load_settings

    settings = load_settings()
    definitions, _ = check_channels(settings.channels_dir)
    channels = {d.id for d in definitions}
    points = _codes(settings.database_url, "risk_points")
    if points is None:
        click.secho(
            "数据库未迁移或无法访问，跳过风险点编号检查: 请检查 QINGFENG_DATABASE_URL，"
            "或运行 qingfeng db upgrade", fg="yellow", err=True
        )
    elif not points:  # a fresh office: say what comes first rather than fail every rule
        departments = _codes(settings.database_url, "departments")
        first = "" if departments else "单位组织 (qingfeng org import FILE), 再导入"
        click.secho(
            f"风险点清单为空, 跳过风险点编号检查: 请先导入{first}风险点清单 "
            "(qingfeng register import FILE); 见 docs/setup-office.md",
            fg="yellow", err=True,
        )
        return None, channels
    return points, channels


def known_departments() -> set[str] | None:
    """Return the directory's department codes (None: not migrated, left unchecked)."""
    from warning.settings import load_settings

    return _codes(load_settings().database_url, "departments")


def channel_problems(channels_dir: Path | None) -> list[object]:
    """Return the problems of the channel files: the option's directory, else the setting's."""
    from warning.channels.loader import check_channels
    from warning.settings import load_settings

    return list(check_channels(channels_dir or load_settings().channels_dir)[1])


rules_group = rules_group_with(known_refs, known_departments, channel_problems)
