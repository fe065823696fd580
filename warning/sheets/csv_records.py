"""Read .csv records strictly, each with the line it starts on.

The csv module by default reads a quote left open to the end of the file as one cell:
a signal file's later rows became one title, exit 0. Strict reading refuses it, and
the error names the line where the bad record starts, not where the reader stopped.
"""

import csv
from collections.abc import Iterable, Iterator


class CsvFormatError(ValueError):
    """A .csv the csv module cannot read; `line` is where the bad record starts."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the record starts, cells) for every record, or raise CsvFormatError."""
    reader = csv.reader(lines, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise CsvFormatError(start, reason(str(error))) from None


def reason(error: str) -> str:
    """Say in Chinese what the csv module refused."""
    if "field limit" in error:
        return f"有单元格超过 {csv.field_size_limit()} 个字符 (cell too large)"
    if "end of data" in error:
        return "引号未闭合: 此行起到文件末尾会读成一个单元格 (单元格内的引号须写成两个 \"\")"
    if "expected after" in error:
        return "引号后应紧跟逗号: 单元格内的引号须写成两个 \"\" (stray quote)"
    return f"CSV 格式错误 ({error})"
