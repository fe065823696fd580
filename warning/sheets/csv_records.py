"""Read .csv records strictly, each with the line it starts on.

The csv module by default reads a quote left open to the end of the file as one cell:
a signal file's later rows became one title, exit 0. Strict reading refuses it, and
the error names the line where the bad record starts, not where the reader stopped.

The csv module's cell limit (`csv.field_size_limit`) is one value for the whole process.
A reader that needs another limit sets it only while it parses a record and puts the old
one back before the record is yielded: setting it once for good changed every other
reader in the process.
"""

import csv
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_LIMIT_LOCK = threading.Lock()  # two readers in two threads must not restore each other's


class CsvFormatError(ValueError):
    """A .csv the csv module cannot read; `line` is where the bad record starts."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@contextmanager
def field_limit(limit: int | None) -> Iterator[int]:
    """Hold the csv module's cell limit at `limit` (None: as it is), then restore it; yield
    the limit in effect."""
    if limit is None:
        yield csv.field_size_limit()
        return
    with _LIMIT_LOCK:
        previous = csv.field_size_limit(limit)
        try:
            yield limit
        finally:
            csv.field_size_limit(previous)


def records(
    lines: Iterable[str], *, limit: int | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, cells) for every record, or raise CsvFormatError.
    `limit`: the most characters a cell may hold (None: the csv module's limit)."""
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        with field_limit(limit) as in_effect:
            try:
                cells = next(reader, None)
            except csv.Error as error:
                raise CsvFormatError(start, reason(str(error), in_effect)) from None
        if cells is None:
            return
        yield start, cells
        start = reader.line_num + 1


def reason(error: str, limit: int | None = None) -> str:
    """Say in Chinese what the csv module refused; `limit`: the cell limit it read with."""
    if "field limit" in error:
        shown = csv.field_size_limit() if limit is None else limit
        return f"有单元格超过 {shown} 个字符 (cell too large)"
    if "end of data" in error:
        return "引号未闭合: 此行起到文件末尾会读成一个单元格 (单元格内的引号须写成两个 \"\")"
    if "expected after" in error:
        return "引号后应紧跟逗号: 单元格内的引号须写成两个 \"\" (stray quote)"
    return f"CSV 格式错误 ({error})"
