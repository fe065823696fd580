"""`qingfeng register import|export`: the risk register as .xlsx, .csv or .yaml."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy.orm import Session

from warning.cli.errors import InputFile, OutputFile
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import NotMigratedError, require_migrated
from warning.settings import load_settings
from warning.sheets.blank_files import no_rows


@click.group("register")
def register_group() -> None:
    """风险点清单: 导入/导出 (import or export the risk register)."""


@register_group.command("import")
@click.argument("path", type=InputFile())
@click.option("--dry-run", is_flag=True, help="只校验, 不写入数据库 (validate only)")
def import_command(path: Path, dry_run: bool) -> None:
    """Import a register file, upserting by code; any error imports nothing."""
    from warning.register.files import RegisterError
    from warning.register.service import import_register

    with _session() as session:
        try:
            summary = import_register(session, path)
        except RegisterError as error:
            session.rollback()
            for problem in error.problems:
                click.secho(f"{path.name}: {problem}", fg="red", err=True)
            _fail(f"共 {len(error.problems)} 处错误, 未导入任何数据 (nothing imported)")
        if summary.rows == 0:
            click.secho(no_rows(path, "风险点"), fg="yellow", err=True)
        if dry_run:
            session.rollback()
            click.echo(f"校验通过, 未写入 (dry run): {summary}")
            return
        session.commit()
    click.echo(f"已导入 {path.name}: {summary}")


@register_group.command("export")
@click.argument("path", type=OutputFile())
def export_command(path: Path) -> None:
    """Export the register to a .xlsx, .csv or .yaml file."""
    from warning.register.files import RegisterError
    from warning.register.service import export_register

    with _session() as session:
        try:
            count = export_register(session, path)
        except RegisterError as error:
            _fail(str(error))
    click.echo(f"已导出 {count} 个风险点到 {path}")


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(load_settings().database_url)
    try:
        require_migrated(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    except NotMigratedError as error:
        _fail(str(error))
    finally:
        engine.dispose()


def _fail(message: str) -> NoReturn:
    click.secho(message, fg="red", err=True)
    sys.exit(1)
