"""Click's usage errors, told in Chinese.

Click writes them in English ("Usage: …", "Try '… --help' for help.", "Error: No such
option: --x"); the reasons this project gives (a bounded number, a missing file) are
Chinese already. The common kinds are told here in Chinese, with click's own detail where
it has no Chinese; any other keeps click's message after a Chinese prefix.
"""

import re

import click

_NO_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.")
_EXTRA = re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)")


def show_usage_error(error: click.UsageError) -> None:
    """Print the command's usage, where to find help, and the error, to stderr."""
    ctx = error.ctx
    if ctx is not None:
        click.echo(ctx.get_usage().replace("Usage:", "用法:", 1), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            click.echo(f"运行 '{ctx.command_path} --help' 查看帮助。", err=True)
        click.echo(err=True)
    click.secho(f"错误: {message(error)}", fg="red", err=True)


def message(error: click.UsageError) -> str:
    """Return the error's message in Chinese where its kind is known."""
    if isinstance(error, click.NoSuchOption):
        maybe = sorted(error.possibilities or ())
        hint = f" (是否想用: {'、'.join(maybe)})" if maybe else ""
        return f"没有选项 {error.option_name}{hint}"
    if isinstance(error, click.MissingParameter):
        kind = {"argument": "参数", "option": "选项"}.get(_kind(error), "参数")
        return f"缺少{kind} {_hint(error)}".rstrip()
    if isinstance(error, click.BadParameter):
        hint = _hint(error)
        return f"{hint} 的值无效: {error.message}" if hint else f"值无效: {error.message}"
    found = _NO_COMMAND.fullmatch(error.message)
    if found:
        return f"没有命令 '{found['name']}'"
    found = _EXTRA.fullmatch(error.message)
    if found:
        return f"多余的参数: {found['args']}"
    return error.format_message()


def _kind(error: click.MissingParameter) -> str:
    if error.param_type is not None:
        return error.param_type
    return error.param.param_type_name if error.param is not None else "parameter"


def _hint(error: click.BadParameter) -> str:
    """Return how the parameter is named to the user ('--port', 'FILE'), or ''."""
    hint = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint(error.ctx)  # type: ignore[arg-type]
    if isinstance(hint, list | tuple):
        return " / ".join(str(h) for h in hint)
    return str(hint) if hint else ""
