"""Date cells whose serial number is no date Excel can show, named by their cell.

Excel keeps a date as a serial number (days since 1899-12-30). A serial outside Excel's
dates (past 9999-12-31, as a number typed or pasted into a date column gives) is read by
openpyxl as the text "#VALUE!", with an English UserWarning and a source path on stderr;
a serial below 1, which Excel shows as "#####", is read as a day in 1899 or a time of
day (serial 0 is midnight, with no date). Signal rows
failed as `occurred_at: 日期“#VALUE!”无法识别` with no cell named, and the register stored
1899-12-30 as a review date. Both readers ask here, row by row, and name the cell.
"""

import warnings
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils.cell import get_column_letter

_FIRST_DAY = date(1900, 1, 1)  # serial 1; nothing an office logs happened earlier
# openpyxl's reading of a date serial out of range. A cell holding the error value
# #VALUE! is named by xlsx_scan before its row gets here.
_OUT_OF_RANGE = "#VALUE!"


def quiet_date_warnings() -> None:
    """Keep openpyxl's warning about an out-of-range date off stderr: the row names it."""
    warnings.filterwarnings("ignore", message=r"Cell \S+ is marked as a date",
                            category=UserWarning, module=r"openpyxl\.")


def bad_date(row: int, values: Sequence[Any]) -> str | None:
    """Say why the first unreadable date of a row cannot be read, naming its cell; or None."""
    for column, value in enumerate(values, start=1):
        if value == _OUT_OF_RANGE:
            return (f"单元格 {get_column_letter(column)}{row}: 日期超出范围 (读作 #VALUE!: "
                    "日期序列号大于 9999-12-31), 请改为 1900 至 9998 年间的日期, 如 2026-11-02")
        if isinstance(value, time):  # a serial below 1: no file here has a time column
            return (f"单元格 {get_column_letter(column)}{row}: 只有时刻 {value.isoformat()}, "
                    "没有日期 (日期序列号小于 1), 请写成 年-月-日, 如 2026-11-02")
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and day < _FIRST_DAY:
            return (f"单元格 {get_column_letter(column)}{row}: 日期 {day.isoformat()} 早于 "
                    "1900-01-01 (日期序列号小于 1, Excel 显示为 #####), 请改为正确的日期")
    return None
