"""Argument types that refuse, in Chinese, a number no command can use.

`serve --port 99999` ended in OverflowError from bind(), and `user revoke-tokens --id`
with 20 digits in an OverflowError from the database driver: every integer the command
line takes is bounded here, before any work starts.
"""

import math
from typing import Any

import click


class Bounded(click.IntRange):
    """An integer from `low` to `high`; anything else is refused in Chinese (exit 2)."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__(low, high)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"“{value}”须是 {self.min} 到 {self.max} 之间的整数", param, ctx)


class Days(click.FloatRange):
    """A number of days above 0 and at most `most` (timedelta overflows past 999,999,999)."""

    def __init__(self, most: float) -> None:
        super().__init__(0, most, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            days = super().convert(value, param, ctx)
        except click.BadParameter:
            days = math.nan
        if not math.isfinite(days):  # nan passes FloatRange: every comparison is false
            self.fail(f"“{value}”须是大于 0、不超过 {self.max:g} 的天数", param, ctx)
        return days


ROW_ID = Bounded(1, 2**31 - 1)  # id columns are INTEGER: 4 bytes on PostgreSQL
PORT = Bounded(1, 65535)
