"""Helpers shared by the command groups: settings, runtime and clean error exits."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from warning.db.migrate import NotMigratedError
from warning.domain.calendar import CalendarError
from warning.rules.settling import first_look_wait
from warning.runtime import Runtime, build_runtime
from warning.settings import Settings, load_settings


def settings() -> Settings:
    """Read the settings from the environment."""
    return load_settings()


@contextmanager
def runtime(*, load_rules: bool = True, engine_in_background: bool = False
            ) -> Iterator[Runtime]:
    """Build the runtime, turning an unmigrated database or refused rule files (when the
    command loads rules) into an error naming each problem."""
    try:
        found = settings()
        # a command sees the rule files once: with a settle time past the 15 s a load
        # waits, a file just saved (or dated in the future) was refused on every run
        rt = build_runtime(found, load_rules=load_rules,
                           engine_in_background=engine_in_background,
                           rules_wait_s=first_look_wait(found.rules_settle_seconds))
    except NotMigratedError as error:
        fail(str(error))
    except CalendarError as error:  # QINGFENG_HOLIDAYS_FILE unreadable or malformed
        fail(f"节假日日历文件有错误: {error}")
    if load_rules and rt.rules.problems:
        # A command has no rules in force but the ones it just read: storing signals it
        # cannot evaluate left them all `failed` behind an exit 0 (or a NoRulesError).
        rt.close()
        for problem in rt.rules.problems:
            click.secho(str(problem), fg="red", err=True)
        fail(f"规则文件未通过检查 ({len(rt.rules.problems)} 个问题), 未写入任何信号 "
             "(rule files refused, nothing stored): 运行 qingfeng rules check")
    try:
        yield rt
    finally:
        rt.close()


def sync_channels(rt: Runtime, doing: str) -> None:
    """Make the channels table match the channel files, or fail naming them: a fresh
    database has no channels until something syncs them (`serve` does at start)."""
    from warning.channels.loader import ChannelFileError

    try:
        rt.sync_channels()
    except ChannelFileError as error:
        fail(f"渠道文件有错误, 未{doing}:\n{error}")


def fail(message: str, code: int = 1) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
    """Print an error to stderr and exit."""
    click.secho(message, fg="red", err=True)
    sys.exit(code)
