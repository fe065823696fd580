"""`qingfeng org import|export`: the unit, departments, leaders, posts and people."""

from pathlib import Path

import click

from warning.cli.errors import InputFile, OutputFile
from warning.sheets.blank_files import no_rows


@click.group("org")
def org_group() -> None:
    """单位组织: 导入/导出 (import or export departments, leaders, posts and people)."""


@org_group.command("import")
@click.argument("path", type=InputFile())
@click.option("--dry-run", is_flag=True, help="只校验, 不写入数据库 (validate only)")
def import_command(path: Path, dry_run: bool) -> None:
    """Import an organisation file, upserting by code; any error imports nothing."""
    from warning.cli.common import fail
    from warning.cli.register_cmd import _session
    from warning.org.files import OrgFileError
    from warning.org.service import import_org

    with _session() as session:
        try:
            summary = import_org(session, path)
        except OrgFileError as error:
            session.rollback()
            for problem in error.problems:
                click.secho(f"{path.name}: {problem}", fg="red", err=True)
            fail(f"共 {len(error.problems)} 处错误, 未导入任何数据 (nothing imported)")
        if summary.rows == 0:
            click.secho(no_rows(path, "组织数据"), fg="yellow", err=True)
        if dry_run:
            session.rollback()
            click.echo(f"校验通过, 未写入 (dry run): {summary}")
            return
        session.commit()
    click.echo(f"已导入 {path.name}: {summary}")


@org_group.command("export")
@click.argument("path", type=OutputFile())
def export_command(path: Path) -> None:
    """Export the organisation to a .xlsx, .csv or .yaml file."""
    from warning.cli.common import fail
    from warning.cli.register_cmd import _session
    from warning.org.files import OrgFileError
    from warning.org.service import export_org

    with _session() as session:
        try:
            count = export_org(session, path)
        except OrgFileError as error:
            fail(str(error))
    click.echo(f"已导出 {count} 行到 {path}")
