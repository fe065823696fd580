"""Read the rows of a signal .xlsx, streaming, each cell as Excel last calculated it.

A cell whose value cannot be read (a formula saved without its result, an error value
such as #DIV/0!) makes its row an error naming the cell, and a range merged down several
rows (a department over its signals) gives its value to every row it covers.
"""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from warning.services.signal_headers import (
    HEADER_SCAN_ROWS,
    SignalFileError,
    check_header,
    header_line,
)
from warning.sheets.xlsx_damage import damage
from warning.sheets.xlsx_dates import bad_date, quiet_date_warnings
from warning.sheets.xlsx_scan import Merged, SheetRefused, SheetScan, scan_sheet
from warning.xlsx_limits import XlsxRefused, check_xlsx

__all__ = ["SignalFileError", "xlsx_rows"]


def xlsx_rows(path: Path, known: Mapping[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, raw row) for every data row of the first visible sheet, whose header
    (see check_header) only names `known` columns; a title row above the header is skipped
    (header_line), and rows keep their numbers in the sheet."""
    from openpyxl import load_workbook

    try:
        check_xlsx(path)
    except XlsxRefused as error:
        raise SignalFileError(str(error)) from None
    quiet_date_warnings()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise SignalFileError(f"{path}: " + (
            damage(path, error) or f"无法读取 .xlsx ({type(error).__name__}: {error})")) from None
    number = 1
    try:
        sheet = _first_visible(book.worksheets)
        # The read-only sheet reads only the rows and columns the file's dimension declares,
        # and some writers declare "A1" whatever they hold: every row past it was dropped
        # in silence. Read what the file holds instead.
        sheet.reset_dimensions()
        head = [[str(c).strip() if c is not None else "" for c in row]
                for row in sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
        try:
            line = header_line(path, sheet.title, head, known)
            header = head[line - 1] if head else []
            if not any(header):
                raise SignalFileError(f"{path}: 第1行应为表头")
            check_header(path, header, known, line)
        except SignalFileError as error:
            raise SignalFileError(f"{error}{_which_sheet(book.worksheets, sheet)}") from None
        # A stray cell far right (XFD7 in a 5 KB file) made each row 16,384 cells, and the
        # declared A1:XFD1048576 did before reset_dimensions: read no column past the header's.
        width = max(i for i, name in enumerate(header, start=1) if name)
        header = header[:width]
        scan = _scan(path, sheet, width)
        if line in scan.unreadable:
            raise SignalFileError(f"{path}: 第{line}行表头{scan.unreadable[line]}")
        filled = _MergedFill(scan.merged, header=line)
        number = line
        rows = sheet.iter_rows(min_row=line + 1, max_col=width, values_only=True)
        for number, values in enumerate(rows, start=line + 1):
            if number in scan.unreadable:
                yield number, {"__error__": scan.unreadable[number]}
                continue
            cells = filled.row(number, list(values))
            if all(v is None for v in cells):
                continue
            if problem := bad_date(number, cells):
                yield number, {"__error__": problem}
                continue
            if problem := _unnamed(number, header, cells, scan.beyond.get(number)):
                yield number, {"__error__": problem}
                continue
            yield number, {h: v for h, v in zip(header, cells, strict=False) if h}
    except SignalFileError:
        raise
    except Exception as error:
        raise SignalFileError(f"{path}: " + (damage(path, error) or (
            f"第{number + 1}行附近无法读取 ({type(error).__name__}: {error})"))) from None
    finally:
        book.close()


def _unnamed(number: int, header: list[str], cells: list[Any], beyond: str | None) -> str:
    """Name a cell holding a value in a column without a header, or return "": it would be
    dropped in silence (a .csv refuses such a row too)."""
    from openpyxl.utils.cell import get_column_letter

    for column, (name, value) in enumerate(zip(header, cells, strict=False), start=1):
        if not name and value is not None and str(value).strip():
            return (f"单元格 {get_column_letter(column)}{number} 有值, 但该列没有表头 "
                    "(请补上表头, 或删去该值)")
    if beyond is not None:
        return (f"单元格 {beyond} 有值, 但在表头最后一列 {get_column_letter(len(header))} "
                "之右, 该列没有表头 (请补上表头, 或删去该值)")
    return ""


def _first_visible(sheets: list[Any]) -> Any:
    """The first sheet Excel shows: a hidden first sheet holds a template's drop-down lists
    (渠道 and 部门 to choose from), and was read as the signals, refused as headerless."""
    return next((sheet for sheet in sheets if sheet.sheet_state == "visible"), sheets[0])


def _which_sheet(sheets: list[Any], read: Any) -> str:
    """Name the sheet read when the book has several: the header may be on another."""
    if len(sheets) < 2:
        return ""
    return f" (读取的是工作表“{read.title}”, 共 {len(sheets)} 个工作表: 信号须在第一个可见的工作表)"


def _scan(path: Path, sheet: Any, width: int) -> SheetScan:
    # A read-only sheet knows the part it streams; openpyxl has no public name for it.
    try:
        return scan_sheet(path, sheet._worksheet_path, width, beyond=True)
    except SheetRefused as error:
        raise SignalFileError(str(error)) from None


class _MergedFill:
    """Fill each range merged down several data rows with its top-left cell's value."""

    def __init__(self, ranges: list[Merged], header: int = 1) -> None:
        # A range starting on or above the header row is left alone: its value is a
        # column's or the sheet's title.
        self._waiting = sorted((m for m in ranges if m.min_row > header),
                               key=lambda m: m.min_row, reverse=True)
        self._open: dict[Merged, Any] = {}

    def row(self, number: int, cells: list[Any]) -> list[Any]:
        """Return the row's cells with the merged ranges it lies in filled."""
        while self._waiting and self._waiting[-1].min_row <= number:
            merged = self._waiting.pop()
            if merged.min_row == number and merged.min_col <= len(cells):
                self._open[merged] = cells[merged.min_col - 1]
        for merged, value in list(self._open.items()):
            if number > merged.max_row:
                del self._open[merged]
                continue
            for column in range(merged.min_col, min(merged.max_col, len(cells)) + 1):
                cells[column - 1] = value
        return cells
