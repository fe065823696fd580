"""Write an export table as .csv (UTF-8 with BOM, for Excel) or .xlsx (openpyxl)."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

Cell = str | int | Decimal | datetime | date | None

# Excel runs a cell starting with these as a formula when it opens a .csv (CSV injection);
# signal text comes from outside, so such text is prefixed with an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
DATETIME_TEXT = "%Y-%m-%d %H:%M"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"


class ExportFormat(StrEnum):
    """The file formats an export can be written as."""

    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """An export: its sheet title, Chinese header and rows of plain values.

    Rows may be a one-pass iterable (a streamed query) for tables written once.
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def to_bytes(table: Table, fmt: ExportFormat) -> bytes:
    """Return the table as the bytes of a file in `fmt`."""
    return csv_bytes(table) if fmt is ExportFormat.CSV else xlsx_bytes(table)


def defuse_formula(text: str) -> str:
    """Prefix an apostrophe to text Excel would run as a formula when it opens a .csv.

    Text already starting with apostrophes before such a character gets one more, so
    `restore_formula` can undo exactly what was added.
    """
    return QUOTE + text if text.lstrip(QUOTE).startswith(FORMULA_START) else text


def restore_formula(text: str) -> str:
    """Undo `defuse_formula`: drop the apostrophe it put before formula-like text."""
    if text.startswith(QUOTE) and text.lstrip(QUOTE).startswith(FORMULA_START):
        return text[1:]
    return text


def _csv_cell(value: Cell) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_TEXT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return defuse_formula(value)
    return value


def csv_bytes(table: Table) -> bytes:
    """Return UTF-8 with a BOM and CRLF line ends, which Excel on Chinese Windows opens right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(table: Table) -> bytes:
    """Return a one-sheet workbook: bold frozen header, dates and money formatted."""
    return workbook_bytes([table])


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    """Return a workbook with one sheet per table, each titled by its table's title."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables:
        _write_sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(book: "Workbook", table: Table) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(table.title[:31])
    sheet.freeze_panes = "A2"
    for index, title in enumerate(table.header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(title) * 2 + 4)
    header = [WriteOnlyCell(sheet, value=title) for title in table.header]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # text beginning with "=" stays text, not a formula
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, Decimal):
                    cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
