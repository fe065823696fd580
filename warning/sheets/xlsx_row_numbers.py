"""Check a worksheet's row numbers as its XML is streamed: rising, and within Excel's sheet.

openpyxl numbers a `<row>` by its `r` attribute (or the one before plus 1) and trusts it.
A row numbered at or below the one before it (repeated, out of order, 0 or negative: a
file written by hand or by a broken script, never by Excel or WPS) was skipped by the
read-only reader in silence, and a row numbered 99,999,999,999 made it yield that many
empty rows first: a 5 KB file kept a CPU busy for hours. Such a sheet is refused, naming
the row.
"""

import re

MAX_ROW = 1_048_576  # Excel's last row
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_NUMBER = re.compile(rb'\br\s*=\s*["\']([^"\']*)["\']')


class RowNumbers:
    """Fed a worksheet part chunk by chunk; `problem` says what is wrong, else ""."""

    def __init__(self) -> None:
        self.last = 0
        self.problem = ""
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        """Check the `<row>` tags that end in what was fed so far."""
        if self.problem:
            return
        text = self._tail + chunk
        cut = text.rfind(b"<")
        if cut == -1 or b">" in text[cut:]:
            cut = len(text)
        self._tail = text[cut:]  # a tag cut by the chunk's end is read whole with the next
        for found in _ROW.finditer(text, 0, cut):
            if not self._take(found.group(1)):
                return

    def _take(self, attributes: bytes) -> bool:
        given = _NUMBER.search(attributes)
        if given is None:
            number = self.last + 1
        else:
            shown = given.group(1).decode("ascii", "replace")[:20]
            number = row_number(shown)
            if number is None:
                self.problem = f"工作表中行号“{shown}”不是整数"
            elif number > MAX_ROW:
                self.problem = f"工作表中行号 {number} 超过 Excel 的最大行 {MAX_ROW}"
            elif number <= self.last:
                self.problem = (f"工作表中第{number}行出现在第{self.last}行之后 "
                                "(行号重复或顺序颠倒)")
        if self.problem:
            self.problem += ": 文件不是 Excel 或 WPS 保存的? 请用 Excel 打开后另存再导入"
            return False
        self.last = number  # type: ignore[assignment]
        return True


def row_number(text: str) -> int | None:
    """Read a row number as openpyxl does: an integer, or a float that is one."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None
