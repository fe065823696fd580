"""The `qingfeng` console command; each subcommand's module is imported only when it runs.

`qingfeng --help` and `--version` import click and nothing of the service; `rules check`
imports the rule loader, not the web app or the database layer it does not need.
"""

import importlib
import logging
import re
import sys
from typing import Any

import click

from warning import __version__
from warning.cli.config_cmd import with_overrides
from warning.cli.errors import explain

# name -> (module, attribute, one-line help shown by `qingfeng --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit": ("warning.cli.user_cmd", "audit_group", "审计 (audit trail)."),
    "backup": ("warning.cli.backup_cmd", "backup",
               "备份数据库与附件 (back up, safe while the service runs)."),
    "config": ("warning.cli.config_cmd", "config",
               "Print the settings in force (secrets masked)."),
    "db": ("warning.cli.db_cmd", "db_group", "Manage the database schema (Alembic migrations)."),
    "notice": ("warning.cli.notice_cmd", "notice_group",
               "通知投递: 重发已放弃的投递 (requeue notice deliveries given up)."),
    "org": ("warning.cli.org_cmd", "org_group",
            "单位组织: 导入/导出 (departments, leaders, posts, people)."),
    "register": ("warning.cli.register_cmd", "register_group",
                 "风险点清单: 导入/导出 (import or export the risk register)."),
    "reporter-key": ("warning.petitions.cli", "reporter_key",
                     "Print a new key for encrypting reporter identities."),
    "restore": ("warning.cli.backup_cmd", "restore",
                "从备份恢复到空数据库 (restore into an empty database)."),
    "review": ("warning.cli.review_cmd", "review",
               "Print a quarter's review (季度审查) of every department."),
    "rules": ("warning.cli.rules_refs", "rules_group",
              "规则文件: 检查与用例 (rule files: check and fixtures)."),
    "scan": ("warning.cli.scan_cmd", "scan", "Scan the feed channels (or one) now."),
    "serve": ("warning.cli.serve_cmd", "serve", "Run the API, the pages and the scheduler."),
    "signal": ("warning.cli.signal_cmd", "signal_group",
               "Log, import and export signals (预警信息)."),
    "user": ("warning.cli.user_cmd", "user_group", "用户与令牌 (users and API tokens)."),
    "warnings": ("warning.cli.export_cmd", "warnings_group", "Export warnings (预警)."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))  # also any added with add_command

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _help = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """Parse the group's own options; a usage error is told in Chinese (`--bogus`)."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            from warning.cli.usage_zh import show_usage_error

            show_usage_error(error)
            sys.exit(error.exit_code)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a bad path or an unreachable database ends in one Chinese line,
        a usage error in Chinese (warning.cli.usage_zh)."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a subcommand's; click would say it in English
            from warning.cli.usage_zh import show_usage_error

            show_usage_error(error)
            ctx.exit(error.exit_code)
        except Exception as error:
            message = explain(error)
            if message is None:
                raise
            click.secho(message, fg="red", err=True)
            ctx.exit(1)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = {name: help_text for name, (_m, _a, help_text) in COMMANDS.items()}
        rows |= {name: c.get_short_help_str() for name, c in self.commands.items()}
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows.items()))


@with_overrides
@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="qingfeng")
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def cli(verbose: bool) -> None:
    """清风 Qingfeng: 廉政风险预警防控 (integrity-risk early warning)."""
    from pydantic import ValidationError

    from warning.domain.validation_zh import zh_message
    from warning.ops.logs import configure_logging
    from warning.settings import load_settings

    try:
        loaded = load_settings()
        log_format, timezone = loaded.log_format, loaded.timezone
    except ValidationError as error:
        problems = "; ".join(
            f"QINGFENG_{'_'.join(str(p) for p in e['loc']).upper()}: "
            f"{zh_message(dict(e))}"
            for e in error.errors()
        )
        click.secho(f"设置有误 (invalid setting): {problems}", fg="red", err=True)
        raise SystemExit(2) from None
    configure_logging(log_format, logging.DEBUG if verbose else logging.INFO, timezone)


# Undecodable bytes in argv arrive as lone surrogates; no database or file can hold them.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def main() -> None:
    """Run the command line; refuse arguments that are not valid text first."""
    for argument in sys.argv[1:]:
        if _NOT_TEXT.search(argument):
            shown = argument.encode("utf-8", "replace").decode()
            click.secho(f"参数“{shown}”无效: 不是合法的 UTF-8 文本 (arguments must be UTF-8 text)",
                        fg="red", err=True)
            sys.exit(1)
    cli()


if __name__ == "__main__":
    main()
