"""A numeric field's text is read as a Chinese user means it, or refused saying why."""

import pytest

from warning.domain.numbers import number_text


@pytest.mark.parametrize(("typed", "means"), [
    ("１２３", "123"),
    ("１，２３４．５", "1234.5"),  # full-width digits, comma and point
    ("1,234.5", "1234.5"),
    ("12,345,678.90", "12345678.90"),
    ("\u3000１２\u3000", "12"),  # ideographic spaces around it
    (".5", ".5"),
    ("-3", "-3"),  # the field's own range refuses it, naming the limit
])
def test_full_width_and_grouped_numbers_read_as_meant(typed: str, means: str) -> None:
    assert number_text(typed) == means


@pytest.mark.parametrize(("typed", "says"), [
    ("１２a", "“１２a”不是数字"),
    ("12元", "不带单位或货币符号"),
    ("¥1,234.50", "不是数字"),
    ("1_000", "不是数字"),  # Decimal("1_000") is 1000: a Python spelling nobody types
    ("١٢٣", "不是数字"),  # Decimal reads Arabic-Indic digits too
    ("1,23", "逗号只能作千位分隔符"),  # 1.23 in Europe, 123 to nobody
    ("1,234,5", "逗号只能作千位分隔符"),
    ("1.23457E+11", "科学计数法"),  # what Excel writes for 123456789012: digits lost
    ("", "不是数字"),
])
def test_text_that_is_no_number_is_refused_saying_why(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        number_text(typed)


def test_values_that_are_not_text_pass_as_they_are() -> None:
    assert number_text(12) == 12 and number_text(None) is None


def test_the_signal_form_reads_a_full_width_amount_and_shows_why_a_bad_one_is_refused() -> None:
    from decimal import Decimal

    from warning.web.pages.signal_form import parse_form

    base = {"channel": "petition", "title": "来信"}
    item, errors = parse_form(base | {"amount": "１，２３４．５"}, "Asia/Shanghai")
    assert item is not None and item.amount == Decimal("1234.50") and not errors
    item, errors = parse_form(base | {"amount": "１２a"}, "Asia/Shanghai")
    assert item is None and errors["amount"].startswith("“１２a”不是数字"), errors
