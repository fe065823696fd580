"""Read and write the register as an .xlsx workbook (openpyxl)."""

import re
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from warning.exports.files import xml_legal
from warning.sheets.xlsx_damage import damage
from warning.sheets.xlsx_dates import bad_date, quiet_date_warnings
from warning.sheets.xlsx_scan import UnreadableCells, scan_sheet, sheet_part
from warning.xlsx_limits import XlsxRefused, check_xlsx

SHEET_NAME = "风险点清单"
# The register is read whole (not read_only: merged title rows); a few thousand risk points
# unpack to a few MB, so 32 MB unpacked keeps a hostile file from taking GBs.
MAX_REGISTER_BYTES = 32_000_000
# Reading a sheet fills every cell of its range, first to last: one cell at XFD1048576 in a
# 5 KB file made that 17 billion cells (MemoryError, or the server killed for memory). A
# few thousand rows of 20 columns is 100,000 cells; 20,000 x 26 read in 0.9 s.
# A merged range is filled cell by cell while the file loads: A5:XFD1048576 took 3.5 GB
# in 29 s before it failed, so merged ranges are measured in the XML first.
MAX_REGISTER_CELLS = 2_000_000
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]*)"')
DATE_FORMAT = "yyyy-mm-dd"


def read_table(path: Path) -> list[tuple[int, list[Any]]]:
    """Return (row number, cells) for every row of the sheet 风险点清单, else the first sheet."""
    from openpyxl import load_workbook

    check_xlsx(path, max_bytes=MAX_REGISTER_BYTES)
    _check_merged(path)
    quiet_date_warnings()
    try:
        book = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise XlsxRefused(f"{path}: " + (
            damage(path, error) or f"无法读取 .xlsx ({type(error).__name__})")) from None
    try:
        if not book.worksheets:  # openpyxl skips a sheet whose part is missing from the zip
            raise XlsxRefused(f"{path}: 文件中没有工作表 (no worksheet)")
        named = [sheet for sheet in book.worksheets if sheet.title == SHEET_NAME]
        sheet = (named or book.worksheets)[0]  # book[name] may be a chart sheet
        _check_extent(path, sheet)
        # data_only reads a formula saved without its result as empty, #REF! as text
        unreadable = scan_sheet(path, sheet_part(path, sheet.title), sheet.max_column).unreadable
        table = [
            (number, list(cells))
            for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        ]
        for number, cells in table:
            if number not in unreadable and (problem := bad_date(number, cells)):
                unreadable[number] = problem
        if unreadable:
            raise UnreadableCells(dict(sorted(unreadable.items())))
        _fill_merged_down(table, sheet.merged_cells.ranges)
        return table
    finally:
        book.close()


def _check_extent(path: Path, sheet: Any) -> None:
    """Refuse a sheet whose range, first cell to last, holds more than MAX_REGISTER_CELLS."""
    cells = sheet.max_row * sheet.max_column
    if cells > MAX_REGISTER_CELLS:
        raise XlsxRefused(
            f"{path}: 工作表“{sheet.title}”的范围 {sheet.dimensions} 有 {cells} 个单元格，"
            f"超过 {MAX_REGISTER_CELLS} 个上限 (请删除远处的空白或多余单元格)")


def _check_merged(path: Path) -> None:
    """Refuse a workbook whose merged ranges together cover more than MAX_REGISTER_CELLS."""
    from openpyxl.utils.cell import range_boundaries

    cells = 0
    with zipfile.ZipFile(path) as archive:  # check_xlsx read every .xml part, and its size
        for part in archive.infolist():
            if not part.filename.endswith(".xml"):  # a sheet's part may have any name
                continue
            for found in _MERGED.finditer(archive.read(part)):
                try:
                    low_col, low_row, high_col, high_row = range_boundaries(
                        found.group(1).decode("ascii", "replace"))
                except (ValueError, TypeError):
                    continue  # openpyxl refuses it when it loads the file
                cells += ((high_row or low_row or 1) - (low_row or 1) + 1) * (
                    (high_col or low_col or 1) - (low_col or 1) + 1)
    if cells > MAX_REGISTER_CELLS:
        raise XlsxRefused(f"{path}: 合并单元格共 {cells} 个，超过 {MAX_REGISTER_CELLS} 个上限"
                          " (请取消大范围的合并)")


def _fill_merged_down(table: list[tuple[int, list[Any]]], ranges: Any) -> None:
    """Give every cell of a range merged down several rows its first cell's value.

    Hand-filled forms merge a department (or a category) down the rows it covers; openpyxl
    gives the value to the first row only, and the later rows read as having none. A range
    within one row (a title across the columns) is left as it is."""
    for merged in ranges:
        if merged.max_row <= merged.min_row:
            continue
        value = table[merged.min_row - 1][1][merged.min_col - 1]
        for row in range(merged.min_row, min(merged.max_row, len(table)) + 1):
            cells = table[row - 1][1]
            for column in range(merged.min_col, min(merged.max_col, len(cells)) + 1):
                cells[column - 1] = value


def _cell(value: Any) -> Any:
    """Return a value as openpyxl may write it: empty text as no value, text without the
    control characters XML cannot hold (openpyxl refuses them, failing the whole file)."""
    if value == "":
        return None
    return xml_legal(value) if isinstance(value, str) else value


def write_table(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], sheet_name: str = SHEET_NAME
) -> None:
    """Write one sheet (风险点清单): a bold, frozen header row, then one row per record."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([_cell(value) for value in values])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text beginning with "=" stays text, not a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, title in zip(sheet.iter_cols(min_row=1, max_row=1), header, strict=True):
        sheet.column_dimensions[column[0].column_letter].width = max(10, len(title) * 2 + 4)
    sheet.freeze_panes = "A2"
    book.save(path)
