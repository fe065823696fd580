"""Import and export of the office's own tables (register, organisation): one database
session, one way to report a refused file, the same words for every kind."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from warning.cli.common import fail, settings
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import NotMigratedError, require_migrated


@contextmanager
def database_session() -> Iterator[Session]:
    """Open a session on the migrated database named by the settings, or fail saying why."""
    engine = make_engine(settings().database_url)
    try:
        require_migrated(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    except NotMigratedError as error:
        fail(str(error))
    finally:
        engine.dispose()


def import_file(path: Path, dry_run: bool, load: Callable[[Session, Path], Any],
                refused: type[Exception], noun: str) -> None:
    """Load `path` with `load`, all or nothing: print each problem of a refused file by
    name and exit 1 with nothing stored; a file of a header and no rows (of `noun`) is
    said on stderr; `dry_run` checks and stores nothing."""
    from warning.sheets.blank_files import no_rows

    with database_session() as session:
        try:
            summary = load(session, path)
        except refused as error:
            session.rollback()
            problems = getattr(error, "problems", [error])
            for problem in problems:
                click.secho(f"{path.name}: {problem}", fg="red", err=True)
            fail(f"共 {len(problems)} 处错误, 未导入任何数据 (nothing imported)")
        if summary.rows == 0:
            click.secho(no_rows(path, noun), fg="yellow", err=True)
        if dry_run:
            session.rollback()
            click.echo(f"校验通过, 未写入 (dry run): {summary}")
            return
        session.commit()
    click.echo(f"已导入 {path.name}: {summary}")


def export_file(path: Path, dump: Callable[[Session, Path], int],
                refused: type[Exception], unit: str) -> None:
    """Write the table to `path` with `dump`; say how many `unit` were written."""
    with database_session() as session:
        try:
            count = dump(session, path)
        except refused as error:
            fail(str(error))
    click.echo(f"已导出 {count} {unit}到 {path}")
