"""What openpyxl's read-only, values-only reading of a worksheet cannot tell.

Read with data_only, a formula saved without its result (a script wrote it, nothing
calculated it) is read as an empty cell, and an error result (#DIV/0!, #REF!) as the text
"#DIV/0!": a signal file stored both with exit 0. A read-only sheet also has no merged
ranges, and a department merged down its rows reached only the first. One pass over the
worksheet's XML finds all three; it streams, and parses cells only if a formula or an
error is there at all (most files have neither).
"""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

from openpyxl.utils.cell import get_column_letter, range_boundaries

from warning.sheets.xlsx_beyond import beyond_pattern, first_beyond
from warning.sheets.xlsx_row_numbers import RowNumbers
from warning.xlsx_limits import XlsxRefused

MAX_MERGED_RANGES = 10_000  # each is checked on every row it spans
MAX_SHOWN_ROWS = 200  # a file with any is refused: the first rows say why
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]*)"')
# A formula (<f>, or <x:f> with a prefix) or an error value; a false alarm only costs the
# cell pass. Plain `in` reads 20 MB in 0.05 s, a regex with the same alternatives in 0.3 s.
_SUSPECT = (b"<f", b":f>", b":f ", b't="e"')
_CHUNK = 1 << 20
_OVERLAP = 512  # a <mergeCell .../> or a marker cut by a chunk's end is found in the next


@dataclass(frozen=True)
class Merged:
    """A range merged down several rows: its top-left cell's value fills the range."""

    min_col: int
    min_row: int
    max_col: int
    max_row: int


@dataclass
class SheetScan:
    """A worksheet's merged ranges, and the first unreadable cell of each row it has."""

    merged: list[Merged] = field(default_factory=list)
    unreadable: dict[int, str] = field(default_factory=dict)  # row -> why, naming the cell
    # row -> its first cell with a value past max_col (when asked: see xlsx_beyond)
    beyond: dict[int, str] = field(default_factory=dict)


class SheetRefused(XlsxRefused):
    """A worksheet with more merged ranges than MAX_MERGED_RANGES, or rows numbered out of
    order or past Excel's last row (xlsx_row_numbers)."""


class UnreadableCells(ValueError):
    """Cells whose value cannot be read, by row: `cells` maps a row to why, naming the cell."""

    def __init__(self, cells: dict[int, str]) -> None:
        super().__init__("\n".join(f"第{row}行: {why}" for row, why in cells.items()))
        self.cells = cells


def sheet_part(path: Path, title: str) -> str:
    """Return the name of the zip part holding the worksheet `title`."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)  # reads the workbook's index, not its sheets
    try:
        # A read-only sheet knows the part it streams; openpyxl has no public name for it.
        return str(book[title]._worksheet_path)
    finally:
        book.close()


def scan_sheet(path: Path, part: str, max_col: int, *, beyond: bool = False) -> SheetScan:
    """Scan the worksheet `part` of the workbook at `path`, up to column `max_col`; with
    `beyond`, note too the rows holding a value past `max_col`."""
    scan = SheetScan()
    suspect = False
    past = beyond_pattern(max_col) if beyond else None
    numbers = RowNumbers()
    with zipfile.ZipFile(path) as archive:
        with archive.open(part) as handle:
            tail = b""
            while chunk := handle.read(_CHUNK):
                numbers.feed(chunk)
                text = tail + chunk
                suspect = suspect or any(mark in text for mark in _SUSPECT)
                if past is not None:  # the overlap is read twice: a cell cut by a chunk's
                    first_beyond(text, past, scan.beyond)  # end is whole in the next text
                keep = max(0, len(text) - _OVERLAP)
                if b"mergeCell" in text:  # else the regex costs 0.07 s per 20 MB for nothing
                    keep = _take_merged(text, keep, scan)
                tail = text[keep:]
                if len(scan.merged) > MAX_MERGED_RANGES:
                    raise SheetRefused(
                        f"{path}: 合并单元格超过 {MAX_MERGED_RANGES} 处 (请取消合并)")
            _take_merged(tail, len(tail), scan)
        if numbers.problem:
            raise SheetRefused(f"{path}: {numbers.problem}")
        if suspect:
            with archive.open(part) as cells:
                _find_unreadable(cells, scan, max_col)
    return scan


def _take_merged(text: bytes, keep: int, scan: SheetScan) -> int:
    """Note the merged ranges ending before `keep`; return where the text not read starts."""
    for found in _MERGED.finditer(text):
        if found.end() > keep:
            return found.start()
        scan.merged.extend(_merged(found.group(1)))
    return keep


def _merged(ref: bytes) -> list[Merged]:
    try:
        low_col, low_row, high_col, high_row = range_boundaries(ref.decode("ascii", "replace"))
    except (ValueError, TypeError):
        return []  # openpyxl refuses it, or ignores it, as it reads the sheet
    if None in (low_col, low_row, high_col, high_row) or high_row == low_row:
        return []  # a whole column or row, or a title across one row: left as it is
    return [Merged(low_col, low_row, high_col, high_row)]  # type: ignore[arg-type]


def _find_unreadable(source: object, scan: SheetScan, max_col: int) -> None:
    """Note, by row, a cell with a formula but no result, or with an error value."""
    for row, column, cell, element in worksheet_cells(source):
        if column > max_col or row in scan.unreadable:
            continue
        kind = element.get("t", "n")
        value = _child(element, "v")
        if _child(element, "f") is not None and (
                value is None or (not value.text and kind != "str")):  # "" is a result
            scan.unreadable[row] = (f"单元格 {cell}: 公式没有保存计算结果 "
                                    "(请在 Excel 中打开后保存, 或改为数值)")
        elif kind == "e":
            shown = value.text if value is not None and value.text else "#?"
            scan.unreadable[row] = f"单元格 {cell}: 值为错误 {shown} (请改正公式或数据)"
        if len(scan.unreadable) >= MAX_SHOWN_ROWS:
            return


def worksheet_cells(source: object) -> Iterator[tuple[int, int, str, Element]]:
    """Yield (row, column, coordinate, element) for each <c> of a worksheet, clearing as it goes."""
    row = column = 0
    rows: Element | None = None
    for event, element in iterparse(source, events=("start", "end")):  # type: ignore[arg-type]
        name = element.tag.rsplit("}", 1)[-1]
        if event == "start":
            if name == "row":
                row, column = int(element.get("r") or row + 1), 0
            elif name == "sheetData":
                rows = element
        elif name == "c":
            where = element.get("r")
            column = column + 1 if where is None else _column_of(where)
            yield row, column, where or f"{get_column_letter(column)}{row}", element
            element.clear()
        elif name == "row" and rows is not None:
            rows.clear()  # the rows read so far: a million empty shells are 100 MB


def _column_of(coordinate: str) -> int:
    letters = coordinate.rstrip("0123456789")
    low_col, _, _, _ = range_boundaries(f"{letters}1")
    return low_col or 0


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if c.tag.rsplit("}", 1)[-1] == name), None)
