"""`qingfeng config`: the settings in force, where each comes from, secrets masked."""

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

PREFIX = "QINGFENG_"
# Settings every command reads; a global flag sets them for this run, over the environment.
OVERRIDES: tuple[tuple[str, str], ...] = (
    ("--database-url", "database_url"),
    ("--rules-dir", "rules_dir"),
    ("--channels-dir", "channels_dir"),
)
# Read where they are used rather than by a settings model (the review's chart font).
READ_ELSEWHERE: tuple[str, ...] = ("QINGFENG_CJK_FONT",)
SECRET_FIELDS = frozenset({"smtp_password", "secret_key", "reporter_key"})
MASK = "******"


def with_overrides(command: click.Group) -> click.Group:
    """Add the global flags that override settings to the `qingfeng` group."""
    for flag, field in OVERRIDES:
        command.params.append(click.Option(
            [flag, field], default=None, expose_value=False, callback=_set_env,
            help=f"覆盖 {PREFIX}{field.upper()} (overrides the setting)", is_eager=True,
        ))
    return command


def _set_env(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name:
        os.environ[PREFIX + param.name.upper()] = value
        ctx.meta.setdefault("qingfeng_flags", set()).add(PREFIX + param.name.upper())


def mask_url(url: str) -> str:
    """Hide a URL's password and its query (webhook keys and tokens live there)."""
    parts = urlsplit(url)
    if not parts.password and not parts.query:
        return url
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@")
    query = MASK if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def shown(field: str, value: Any) -> str:
    """Return a setting's value as printed: secrets masked, never their text."""
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if field in SECRET_FIELDS:
        return f"{MASK} (已设置)" if value else "(未设置)"
    if field == "database_url":
        return mask_url(str(value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {mask_url(str(v))}" for k, v in value.items()) or "{}"
    return "" if value is None else str(value)


def settings_in_force(flags: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """Return (variable, shown value, source) for every setting, reporter key included."""
    from warning.petitions.keys import ReporterKeySettings
    from warning.settings import Settings, load_settings

    values: dict[str, Any] = dict(load_settings())
    values.update(dict(ReporterKeySettings()))
    order: list[str] = [*Settings.model_fields, *ReporterKeySettings.model_fields]
    rows = []
    named = {name.upper() for name in os.environ}  # names are read case-insensitively
    for field in dict.fromkeys(order):
        variable = PREFIX + field.upper()
        in_env = "环境变量" if variable in named else "默认值"
        source = "命令行" if variable in flags else in_env
        rows.append((variable, shown(field, values.get(field)), source))
    for variable in READ_ELSEWHERE:
        value = os.environ.get(variable)
        rows.append((variable, value or "", "默认值" if value is None else "环境变量"))
    return rows


@click.command("config")
def config() -> None:
    """Print the settings in force (secrets masked) and where each comes from."""
    echo: Callable[[str], None] = click.echo
    flags = click.get_current_context().meta.get("qingfeng_flags", set())
    rows = settings_in_force(frozenset(flags))
    width = max(len(variable) for variable, _, _ in rows)
    for variable, value, source in rows:
        echo(f"{variable:<{width}}  {value}  [{source}]")
    _calendar(echo)


def _calendar(echo: Callable[[str], None]) -> None:
    """Say which years the holiday calendar covers, and what deadlines it would miss."""
    from warning.cli.common import fail
    from warning.domain.calendar import CalendarError
    from warning.handling.holidays import calendar_file, calendar_gaps, use_calendar_file
    from warning.settings import load_settings

    try:
        calendar = use_calendar_file(load_settings().holidays_file)
    except CalendarError as error:
        fail(f"节假日日历文件有错误: {error}")
    years = ", ".join(str(y) + ("（暂定）" if y in calendar.provisional else "")
                      for y in sorted(calendar.years))
    echo(f"节假日日历: {calendar_file()}  覆盖 {years}")
    for gap in calendar_gaps():
        click.secho(f"注意: {gap}", fg="yellow")
