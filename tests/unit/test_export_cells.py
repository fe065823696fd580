"""Export cells: text a spreadsheet would run as a formula stays text, numbers stay numbers,
and a value XML cannot hold spoils only its own cell."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from warning.exports.files import (
    Table,
    csv_bytes,
    defuse_formula,
    restore_formula,
    xlsx_bytes,
)

# Excel and WPS run a cell starting with any of these as a formula; the Chinese IME types
# the full-width forms, which both read as their ASCII twins, even after leading spaces.
FORMULA_TEXTS = [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"点我\")",
    " =1+1", "  @SUM(A1)", "\u3000=1+1", "\xa0+1", "\n=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)",
    "﹦1+1", "﹢1", "﹣1", "﹫SUM(A1)", " ＝HYPERLINK(\"http://x\")", "\u3000＠cmd",
    "'=1+1", "''＝1", "' =1",
]
PLAIN_TEXTS = ["张三", "采购中心", "1+1=2", "a=b", "CG-001", "", " ", "'", "''", "−1", "😀=1"]


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_formula_like_text_is_defused_and_restored_exactly(text: str) -> None:
    defused = defuse_formula(text)
    assert defused == "'" + text
    assert restore_formula(defused) == text


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_plain_text_is_left_alone(text: str) -> None:
    assert defuse_formula(text) == text
    assert restore_formula(text) == text


def test_csv_quotes_every_formula_like_cell_and_keeps_negative_numbers() -> None:
    rows = [[text, Decimal("-12.50"), -3, date(2026, 1, 2)] for text in FORMULA_TEXTS]
    data = csv_bytes(Table("t", ("文字", "金额", "次数", "日期"), rows))
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    assert [row[0] for row in read] == ["'" + text for text in FORMULA_TEXTS]
    assert {tuple(row[1:]) for row in read} == {("-12.50", "-3", "2026-01-02")}


def test_xlsx_keeps_formula_like_text_as_text_and_numbers_as_numbers() -> None:
    rows = [[text, Decimal("-12.50"), -3] for text in FORMULA_TEXTS]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(Table("t", ("文字", "金额", "次数"), rows)))).active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2))
    assert all(row[0].data_type == "s" for row in cells)
    # XlsxWriter writes a carriage return as _x000D_, which Excel reads back and openpyxl not
    assert [row[0].value for row in cells] == [t.replace("\r", "_x000D_") for t in FORMULA_TEXTS]
    assert {(row[1].value, row[1].data_type, row[2].value) for row in cells} == {
        (-12.5, "n", -3)}
