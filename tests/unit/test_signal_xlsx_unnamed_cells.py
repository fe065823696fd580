"""A value in a signal .xlsx column without a header is refused, naming the cell.

Before: the sheet was read no wider than its header, and a value under a blank header cell
or right of the header's last column (a 备注 column nobody named) was dropped in silence,
exit 0, where a .csv refuses such a row.
"""

from pathlib import Path

from openpyxl import Workbook

from tests.support import write_book
from warning.services.signal_files import read_rows
from warning.sheets.xlsx_beyond import beyond_pattern

HEADER = ["渠道", "编号", "标题", "部门"]


def _errors(path: Path) -> dict[int, str]:
    return {line: row["__error__"] for line, row in read_rows(path) if "__error__" in row}


def test_a_value_right_of_the_header_is_an_error_of_its_row_alone(tmp_path: Path) -> None:
    path = write_book(tmp_path / "s.xlsx", [
        HEADER,
        ["audit", "A-1", "围标", "CGZX"],
        ["audit", "A-2", "串标", "CGZX", None, "供应商已约谈"],
        ["audit", "A-3", "虚报", "CGZX"],
    ])
    errors = _errors(path)
    assert list(errors) == [3]
    assert "F3" in errors[3] and "表头最后一列 D" in errors[3]
    good = [line for line, row in read_rows(path) if "__error__" not in row]
    assert good == [2, 4]


def test_a_value_under_a_blank_header_cell_is_an_error(tmp_path: Path) -> None:
    path = write_book(tmp_path / "s.xlsx", [
        ["渠道", "编号", None, "标题"],
        ["audit", "A-1", "备注", "围标"],
        ["audit", "A-2", None, "串标"],
    ])
    errors = _errors(path)
    assert list(errors) == [2] and "C2" in errors[2]


def test_a_far_column_and_styled_empty_cells_past_the_header(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["audit", "A-1", "围标", "CGZX"])
    sheet.append(["audit", "A-2", "串标", "CGZX"])
    sheet["XFD3"] = "远处的值"
    sheet["H2"].style = "Good"  # formatted but empty: not a value
    path = tmp_path / "s.xlsx"
    book.save(path)
    errors = _errors(path)
    assert list(errors) == [3] and "XFD3" in errors[3]


def test_the_pattern_matches_exactly_the_columns_past_the_width() -> None:
    from openpyxl.utils.cell import get_column_letter

    for width in (1, 4, 26, 27, 52, 700, 702, 703, 16383):
        pattern = beyond_pattern(width)
        assert pattern is not None
        for column in {1, width - 1, width, width + 1, width + 26, 16384} - {0}:
            if column > 16384:
                continue
            cell = f'<c r="{get_column_letter(column)}7" t="s"><v>1</v></c>'.encode()
            assert bool(pattern.search(cell)) == (column > width), (width, column)
    assert beyond_pattern(16384) is None
