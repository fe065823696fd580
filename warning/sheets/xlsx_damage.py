"""Say where an .xlsx openpyxl could not read is damaged: the cell, or the missing part.

openpyxl stops on the first value it cannot convert with Python's own message ("could
not convert string to float: 'abc'", "There is no item named 'xl/workbook.xml' in the
archive"), and the import could only say "near row 2". Only after such a failure, this
reads the worksheets' XML again, converting each cell as openpyxl does, and names the
first that fails; a zip without a workbook's parts is named as such.
"""

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import iterparse

from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import from_ISO8601

from warning.sheets.xlsx_row_numbers import row_number

_MISSING = re.compile(r"There is no item named '([^']*)' in the archive")
_SHEETS = re.compile(r"xl/worksheets/[^/]*\.xml")
_SHOWN = 30  # characters of a bad value shown


def damage(path: Path, error: Exception) -> str | None:
    """Return what is damaged in the workbook at `path`, which failed with `error`, or None
    when no cell or part explains it."""
    if isinstance(error, KeyError) and (missing := _MISSING.search(str(error))):
        return (f"压缩包中没有 {missing.group(1)}: 不是 Excel 工作簿 (.xlsx), "
                "请用 Excel 或 WPS 打开后另存为 .xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            strings = _shared_string_count(archive)
            for part in sorted(n for n in archive.namelist() if _SHEETS.fullmatch(n)):
                with archive.open(part) as source:
                    if why := _first_unreadable(source, strings):
                        return why
    except Exception:  # only a diagnosis: the caller's message stands
        return None
    return None


def _first_unreadable(source: IO[bytes], strings: int) -> str | None:
    """Return why the first cell of a worksheet openpyxl cannot read cannot be read."""
    row = column = 0
    for event, element in iterparse(source, events=("start", "end")):
        name = element.tag.rsplit("}", 1)[-1]
        if event == "start" and name == "row":
            given = element.get("r")
            row, column = (row + 1 if given is None else row_number(given)), 0
            if row is None:
                return f"工作表中行号“{given[:_SHOWN]}”不是整数"
        elif event == "end" and name == "c":
            column += 1
            where = element.get("r")
            if where is not None and not _converts(coordinate_to_tuple, where):
                return f"单元格引用“{where[:_SHOWN]}”无效 (第{row}行第{column}个单元格)"
            if why := _unreadable(where or f"{get_column_letter(column)}{row}", element,
                                  strings):
                return why
            element.clear()
    return None


def _unreadable(where: str, element: Any, strings: int) -> str | None:
    """Convert a cell as openpyxl's reader does; return why it cannot be, naming it."""
    style = element.get("s")
    if style and not _converts(int, style):
        return f"单元格 {where}: 样式编号“{style[:_SHOWN]}”不是整数"
    kind = element.get("t", "n")
    value = next((c.text for c in element if c.tag.rsplit("}", 1)[-1] == "v"), None)
    if not value or kind in ("inlineStr", "str", "e"):
        return None
    shown = value[:_SHOWN]
    if kind == "n" and not _converts(float, value):
        return f"单元格 {where}: 数值单元格的值“{shown}”不是数字"
    if kind == "b" and not _converts(int, value):
        return f"单元格 {where}: 逻辑值单元格的值“{shown}”不是 0 或 1"
    if kind == "d" and not _converts(from_ISO8601, value):
        return f"单元格 {where}: 日期单元格的值“{shown}”不是日期"
    if kind == "s" and not (value.isdigit() and int(value) < strings):
        return f"单元格 {where}: 共享字符串编号“{shown}”不存在"
    return None


def _converts(convert: Callable[[str], Any], text: str) -> bool:
    try:
        convert(text)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _shared_string_count(archive: zipfile.ZipFile) -> int:
    """Count the shared strings (each an <si>): openpyxl reads the part whole too, and
    check_xlsx bounds it."""
    names = [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
    return len(re.findall(rb"<(?:\w+:)?si\b", archive.read(names[0]))) if names else 0
