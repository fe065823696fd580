"""Amounts as the rules compare them: exact integer fen after storage's rounding.

Signals store amounts as NUMERIC(18, 2), rounded half away from zero (PostgreSQL's rule);
rules compare that stored value, never the raw input and never a float, so a bound and an
amount that differ by one fen always compare as they read.

A number written as text (a bound `"５００００"` or `"50,000"`, a fixture's amount) is read
as a signal's amount is (domain/numbers.py): width-folded, thousands commas dropped, and
anything else refused, saying why.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from warning.domain.numbers import number_text

CENT = Decimal("0.01")
LIMIT = Decimal("10") ** 16  # NUMERIC(18, 2): at most 16 digits before the point


class AmountError(ValueError):
    """A value that is not a usable amount; the message says why (zh-CN)."""


def _shown(value: object) -> str:
    """The value as a problem shows it: its repr, its ends only when long (a bound of
    5,000 digits was printed whole)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…{text[-10:]} ({len(text)} 个字符)"


def exact(value: object) -> Decimal:
    """Return `value` as a finite Decimal; refuse booleans, NaN, infinities and text that is
    no number (number_text)."""
    if isinstance(value, bool) or value is None:
        raise AmountError(f"金额必须是数字 (not a number): {_shown(value)}")
    if isinstance(value, str):
        try:
            value = number_text(value)
        except ValueError as error:
            raise AmountError(f"金额{error}") from None
    if isinstance(value, float):
        value = repr(value)  # the shortest decimal that reads back as this float
    if not isinstance(value, int | str | Decimal):
        raise AmountError(f"金额必须是数字 (not a number): {_shown(value)}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise AmountError(f"金额必须是数字 (not a number): {_shown(value)}") from None
    if not number.is_finite():
        raise AmountError(f"金额不能是 NaN 或无穷大 (NaN/infinity): {_shown(value)}")
    if abs(number) >= LIMIT:  # checked before rounding: 1e30 has more digits than it can hold
        raise AmountError(f"金额超出范围 (out of range, < 10^16 元): {_shown(value)}")
    return number


def stored(value: object) -> Decimal:
    """Return the amount as storage keeps it: rounded to 2 places, half away from zero."""
    return exact(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(value: object) -> int:
    """Return the stored amount in integer fen (分), the unit rules compare in."""
    return int(stored(value) * 100)


def bound(value: object) -> Decimal:
    """Return a rule's amount bound, a number or a numeric text as a signal's amount may be
    written (`"５００００"`, `"50,000"`); refuse more than 2 decimal places or out of range."""
    number = exact(value)
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise AmountError(f"金额最多两位小数 (at most 2 decimal places, 分): {_shown(value)}")
    return number
