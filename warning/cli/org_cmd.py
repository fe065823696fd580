"""`qingfeng org import|export`: the unit, departments, leaders, posts and people."""

from pathlib import Path

import click

from warning.cli.errors import InputFile, OutputFile


@click.group("org")
def org_group() -> None:
    """单位组织: 导入/导出 (import or export departments, leaders, posts and people)."""


@org_group.command("import")
@click.argument("path", type=InputFile())
@click.option("--dry-run", is_flag=True, help="只校验, 不写入数据库 (validate only)")
def import_command(path: Path, dry_run: bool) -> None:
    """Import an organisation file, upserting by code; any error imports nothing."""
    from warning.cli.table_files import import_file
    from warning.org.files import OrgFileError
    from warning.org.service import import_org

    import_file(path, dry_run, import_org, OrgFileError, "组织数据")


@org_group.command("export")
@click.argument("path", type=OutputFile())
def export_command(path: Path) -> None:
    """Export the organisation to a .xlsx, .csv or .yaml file."""
    from warning.cli.table_files import export_file
    from warning.org.files import OrgFileError
    from warning.org.service import export_org

    export_file(path, export_org, OrgFileError, "行")
