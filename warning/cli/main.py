"""The `qingfeng` console command."""

import logging

import click

from warning import __version__
from warning.cli.db_cmd import db_group
from warning.cli.serve_cmd import serve
from warning.cli.signal_cmd import signal_group


@click.group()
@click.version_option(__version__, prog_name="qingfeng")
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def cli(verbose: bool) -> None:
    """清风 Qingfeng: 廉政风险预警防控 (integrity-risk early warning)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for command in (db_group, serve, signal_group):
    cli.add_command(command)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
