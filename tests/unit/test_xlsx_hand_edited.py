"""A hand-edited .xlsx is refused naming what is wrong: rows numbered out of order or past
Excel's last row, a cell whose value cannot be read, a zip that holds no workbook.

Before: openpyxl's read-only reader skipped a row numbered at or below the one before it
in silence (the signal import stored the others, exit 0); a row numbered 99,999,999,999
made it yield that many empty rows (a 5 KB file kept a CPU busy for hours); a number cell
holding "abc" read "第2行附近无法读取 (ValueError: could not convert string to float)".
"""

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import book_bytes
from warning.register.files import RegisterError, read_register
from warning.services.signal_files import read_rows
from warning.services.signal_headers import SignalFileError
from warning.sheets import xlsx_scan

SHEET = "xl/worksheets/sheet1.xml"
SIGNALS = [["渠道", "编号", "标题", "金额"],
           *[["audit", f"A-{n}", f"来信{n}", n * 100] for n in range(1, 6)]]
REGISTER = [["风险点编码", "风险点名称", "风险类别", "风险等级"],
            *[[f"RP-{n}", f"风险点{n}", "业务流程", "高"] for n in range(1, 6)]]


def _edited(tmp_path: Path, rows: list[list[object]],
            edit: Callable[[str], str], name: str = "s.xlsx") -> Path:
    """Write a workbook of `rows`, its first sheet's XML passed through `edit`."""
    source = tmp_path / f"source-{name}"
    source.write_bytes(book_bytes(rows))
    path = tmp_path / name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == SHEET:
                data = edit(data.decode()).encode()
            new.writestr(item, data)
    return path


def _renumber(old: int, new: str) -> Callable[[str], str]:
    """Give the `<row>` numbered `old` the number `new` (its cells keep their references:
    openpyxl's reader goes by the row's)."""
    def edit(xml: str) -> str:
        assert f'<row r="{old}"' in xml
        return xml.replace(f'<row r="{old}"', f'<row r="{new}"')
    return edit


def _signal_problem(path: Path) -> str:
    with pytest.raises(SignalFileError) as refused:
        list(read_rows(path))
    return str(refused.value)


def _register_problem(path: Path) -> str:
    with pytest.raises(RegisterError) as refused:
        read_register(path)
    return " ".join(str(p) for p in refused.value.problems)


ROW_CASES = {  # how row 4 is renumbered: what the refusal must say
    "repeated": ("3", "第3行出现在第3行之后"),
    "out of order": ("2", "第2行出现在第3行之后"),
    "zero": ("0", "第0行出现在第3行之后"),
    "negative": ("-7", "第-7行出现在第3行之后"),
    "past Excel's last row": ("99999999999", "行号 99999999999 超过"),
    "not an integer": ("4.5", "行号“4.5”不是整数"),
}


@pytest.mark.parametrize("case", ROW_CASES)
@pytest.mark.parametrize("chunk", [37, 1 << 20])
def test_rows_out_of_order_are_refused_naming_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, chunk: int,
) -> None:
    monkeypatch.setattr(xlsx_scan, "_CHUNK", chunk)  # a tag cut by a chunk's end
    number, said = ROW_CASES[case]
    path = _edited(tmp_path, SIGNALS, _renumber(4, number))
    assert said in _signal_problem(path)


@pytest.mark.parametrize("case", ROW_CASES)
def test_the_register_refuses_rows_out_of_order_too(tmp_path: Path, case: str) -> None:
    number, said = ROW_CASES[case]
    path = _edited(tmp_path, REGISTER, _renumber(4, number))
    problem = _register_problem(path)
    # a row past Excel's last makes the sheet's range too large first: refused either way
    assert said in problem or "上限" in problem, problem


def test_rows_numbered_as_excel_writes_them_are_read(tmp_path: Path) -> None:
    """Implicit numbers (no r), a gap, and an integer written as 5.0 are all in order."""
    def edit(xml: str) -> str:
        xml = _renumber(4, "5.0")(_renumber(5, "6")(_renumber(6, "9")(xml)))
        return xml.replace('<row r="2"', "<row")
    path = _edited(tmp_path, SIGNALS, edit)
    assert [line for line, _ in read_rows(path)] == [2, 3, 5, 6, 9]


CELL_CASES = {  # cell C3 (标题, text) or D3 (金额, a number) edited: what the refusal says
    "number": (r'(<c r="D3"[^>]*>)<v>200</v>', r"\g<1><v>abc</v>",
               "单元格 D3: 数值单元格的值“abc”不是数字"),
    "boolean": (r'<c r="D3"([^>]*)><v>200</v>', r'<c r="D3" t="b"><v>yes</v>', "单元格 D3: 逻辑值"),
    "date": (r'<c r="D3"([^>]*)><v>200</v>', r'<c r="D3" t="d"><v>昨天</v>', "单元格 D3: 日期"),
    "shared string": (r'<c r="C3" t="inlineStr"><is>.*?</is></c>', r'<c r="C3" t="s"><v>99</v></c>',
                      "单元格 C3: 共享字符串编号“99”不存在"),
    "reference": (r'<c r="D3"', r'<c r="3D"', "单元格引用“3D”无效"),
}


@pytest.mark.parametrize("case", CELL_CASES)
def test_a_damaged_cell_is_named(tmp_path: Path, case: str) -> None:
    pattern, replacement, said = CELL_CASES[case]

    def edit(xml: str) -> str:
        edited = re.sub(pattern, replacement, xml, count=1)
        assert edited != xml, "the edit found its cell"
        return edited
    path = _edited(tmp_path, SIGNALS, edit)
    problem = _signal_problem(path)
    assert said in problem and "Error" not in problem, problem


def test_the_register_names_a_damaged_cell(tmp_path: Path) -> None:
    path = _edited(tmp_path, [*REGISTER, ["RP-9", "风险点9", "业务流程", 7]],
                   lambda xml: re.sub(r'(<c r="D7"[^>]*>)<v>7</v>', r"\g<1><v>x7</v>", xml))
    problem = _register_problem(path)
    assert "单元格 D7: 数值单元格的值“x7”不是数字" in problem, problem


@pytest.mark.parametrize("missing", ["[Content_Types].xml", "xl/workbook.xml"])
def test_a_zip_without_a_workbook_says_so(tmp_path: Path, missing: str) -> None:
    source = tmp_path / "source.xlsx"
    source.write_bytes(book_bytes(SIGNALS))
    path = tmp_path / "s.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            if item.filename != missing:
                new.writestr(item, old.read(item))
    for problem in (_signal_problem(path), _register_problem(path)):
        assert "不是 Excel 工作簿" in problem and "KeyError" not in problem, problem
