"""Checks every text and date that arrives from outside, before anything stores it.

PostgreSQL refuses a NUL byte in text and a lone surrogate cannot be encoded as UTF-8;
either would fail a request (or a batch) in the database. A date that is valid with its
offset may still not exist in UTC (year 9999 at -12:00, year 1 at +08:00), and one that
exists in UTC may not exist where it is shown (9999-12-31 23:00 UTC in Asia/Shanghai made
the signal's page and every export fail). Each is refused here, naming the field, so
storage only ever sees what it can hold and every page can show.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ValidationInfo,
    field_validator,
)

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
MAX_AMOUNT = Decimal("999999999999999.99")
# A signal's amount (元): whole fen, not negative, what NUMERIC(18, 2) holds. Intake and a
# rule fixture's signal both take these, so a fixture cannot pass on an amount intake refuses.
AMOUNT_LIMITS: dict[str, Any] = {"ge": 0, "le": MAX_AMOUNT, "decimal_places": 2}
# The dates a signal may carry. Pages and exports show a date in the service's zone (up to
# a day from UTC), and a repeat window reaches back up to 3,660 days from it (rule model):
# year 10000 in Shanghai, or a window starting before year 1, failed with OverflowError.
# 1900 is also where spreadsheet dates begin; nothing an office logs happened earlier.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
MAX_ID = 2**31 - 1  # ids and versions are 32-bit INTEGER columns on both databases


def parse_int(raw: str | None, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """Return `raw` as an integer in low .. high if it is plain ASCII digits, else None.

    str.isdigit() also accepts "²" and "٣", which int() refuses or reads; a path, query or
    form field that names an id or a version goes through here so neither reaches int()
    or the database (where a number past 2^63 fails on SQLite and past 2^31 on PostgreSQL).
    """
    text = (raw or "").strip()
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def bad_text(value: str) -> str | None:
    """Return why a text cannot be stored (NUL or lone surrogate), or None."""
    found = _BAD_CHARS.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "不能包含 NUL 字符 (NUL character not allowed)"
    return "不能包含孤立的代理字符 (lone surrogate not allowed)"


def check_text(value: str) -> str:
    """Return the text, or raise ValueError if it holds NUL or a lone surrogate."""
    problem = bad_text(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def showable(value: datetime) -> bool:
    """Tell whether an aware datetime lies in EARLIEST .. LATEST (see EARLIEST for why)."""
    try:
        return EARLIEST <= value.astimezone(UTC) <= LATEST
    except (OverflowError, ValueError):
        return False


def check_utc(value: datetime) -> datetime:
    """Return an aware datetime that exists in UTC and lies in EARLIEST .. LATEST, or raise
    ValueError (see EARLIEST for why)."""
    try:
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("日期换算为 UTC 后超出范围 (date out of range in UTC)") from None
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("日期须在 1900 年至 9998 年之间 (date out of range: 1900 .. 9998)")
    return value


# A number where a date belongs was read as Unix seconds (milliseconds past 2e10): the
# spreadsheet date 20260401 became 1970-08-23 and the Excel serial 46113 1970-01-01.
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")
# When it happened cannot be after it was logged. A day's slack covers clock skew and an
# offset written wrong; beyond it the year is a typo (as for a feed's date, feeds.store).
FUTURE_SLACK = timedelta(days=1)


def refuse_number(value: Any) -> Any:
    """Return `value` unless it is a number or a text of digits, which is no date."""
    if isinstance(value, bool | int | float | Decimal) or (
            isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
        raise ValueError("须为日期时间文字，如 2026-11-02T09:30:00+08:00，不能是数字"
                         " (a number is not a date: write ISO 8601 with an offset)")
    return value


def refuse_future(value: datetime) -> datetime:
    """Return `value` unless it lies more than a day after now."""
    if value > datetime.now(UTC) + FUTURE_SLACK:
        raise ValueError("发生时间晚于当前时间 (date is in the future)")
    return value


# When a signal or petition happened: an aware date, not a number, not in the future.
OccurredAt = Annotated[AwareDatetime, BeforeValidator(refuse_number),
                       AfterValidator(refuse_future)]


def check_amount(value: Decimal) -> Decimal:
    """Return an amount in yuan with at most two decimals (fen), or raise ValueError."""
    if not value.is_finite():
        raise ValueError("金额须为有限数字 (amount must be finite)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError("金额最多两位小数（分）(at most 2 decimals)")
    if value < 0 or value > MAX_AMOUNT:
        raise ValueError(f"金额须在 0 到 {MAX_AMOUNT} 元之间 (amount out of range)")
    return value.quantize(Decimal("0.01"))


def _deep_check(value: Any) -> None:
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, datetime) and value.tzinfo is not None:
        check_utc(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _deep_check(key)
            _deep_check(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _deep_check(item)
    elif isinstance(value, BaseModel):
        pass  # a nested model checks its own fields (it inherits CheckedInput)


class CheckedInput(BaseModel):
    """A request or file model whose every text is storable and every date exists in UTC.

    Inherit from it for anything a client or a file sends; the check runs on each field
    after its own validation, so the error names the field.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        secret = getattr(value, "get_secret_value", None)
        _deep_check(secret() if callable(secret) else value)
        return value
