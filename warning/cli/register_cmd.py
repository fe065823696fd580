"""`qingfeng register import|export`: the risk register as .xlsx, .csv or .yaml."""

from pathlib import Path

import click

from warning.cli.errors import InputFile, OutputFile


@click.group("register")
def register_group() -> None:
    """风险点清单: 导入/导出 (import or export the risk register)."""


@register_group.command("import")
@click.argument("path", type=InputFile())
@click.option("--dry-run", is_flag=True, help="只校验, 不写入数据库 (validate only)")
def import_command(path: Path, dry_run: bool) -> None:
    """Import a register file, upserting by code; any error imports nothing."""
    from warning.cli.table_files import import_file
    from warning.register.files import RegisterError
    from warning.register.service import import_register

    import_file(path, dry_run, import_register, RegisterError, "风险点")


@register_group.command("export")
@click.argument("path", type=OutputFile())
def export_command(path: Path) -> None:
    """Export the register to a .xlsx, .csv or .yaml file."""
    from warning.cli.table_files import export_file
    from warning.register.files import RegisterError
    from warning.register.service import export_register

    export_file(path, export_register, RegisterError, "个风险点")
