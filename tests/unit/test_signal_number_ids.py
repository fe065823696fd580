"""A number in a text field (编号 typed as a number in Excel, or a JSON number) is stored as
it was typed, and one whose digits the spreadsheet lost is refused naming the field.

Before: a float's repr was stored, "20261102.0" for a 编号 20261102 and
"9.876543210987654e+17" for 987654321098765432, so two ids of one 18-digit family became
one stored id, and the next row was refused as a changed repeat of it."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support import write_book
from warning.services.signal_files import RowError, read_rows, to_signal
from warning.services.signal_input import SignalIn

HEADER = ["渠道", "编号", "标题"]


@pytest.mark.parametrize(("typed", "stored"), [
    (20261102.0, "20261102"), (20261102, "20261102"), (1.5, "1.5"),
    (987654321098765432, "987654321098765432"), (999_999_999_999_999.0, "999999999999999"),
    (Decimal("9.87E+17"), "987000000000000000"), (Decimal("1.50"), "1.50"),
])
def test_a_number_is_stored_as_typed(typed: object, stored: str) -> None:
    signal = to_signal(2, {"渠道": "petition", "编号": typed, "标题": "来信"}, None)
    assert isinstance(signal, SignalIn) and signal.external_id == stored


@pytest.mark.parametrize("typed", [9.876543210987654e17, 1e15, -1e16])
def test_a_float_past_fifteen_digits_is_refused_naming_the_column(typed: float) -> None:
    refused = to_signal(3, {"渠道": "petition", "编号": typed, "标题": "来信"}, None)
    assert isinstance(refused, RowError) and refused.line == 3
    assert refused.message.startswith("编号: 数字") and "超过 15 位" in refused.message


def test_two_long_ids_from_a_sheet_are_refused_not_merged(tmp_path: Path) -> None:
    path = write_book(tmp_path / "ids.xlsx", [
        HEADER, ["petition", 987654321098765432.0, "举报甲"],
        ["petition", 987654321098765433.0, "举报乙"], ["petition", 20261102.0, "举报丙"]])
    signals = [to_signal(line, raw, None) for line, raw in read_rows(path)]
    assert [type(s).__name__ for s in signals] == ["RowError", "RowError", "SignalIn"]
    assert signals[2].external_id == "20261102"  # type: ignore[union-attr]


def test_a_json_number_id_keeps_its_digits(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text('{"channel": "petition", "external_id": 9.87E+17, "title": "t"}\n'
                    + json.dumps({"channel": "petition", "external_id": 12, "title": "t"}) + "\n")
    ids = [to_signal(line, raw, None).external_id  # type: ignore[union-attr]
           for line, raw in read_rows(path)]
    assert ids == ["987000000000000000", "12"]
