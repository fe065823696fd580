"""An import file with nothing in it: refused when it has no header, told when it has no rows.

`qingfeng signal import` of a 0-byte file, or of one holding blank lines only, stored 0
signals with exit 0: a user who had exported the wrong file got no hint. One rule for
every file a command imports (signals, register, organisation, holiday calendar):
- no bytes, or only blanks (spaces, line ends, a BOM), or a YAML file of comments only:
  refused, naming the file;
- a first row that names no known column (a file exported without its header): refused,
  naming the file and the row (each importer knows its own columns);
- a header with no rows under it, or a YAML list with no item: imported as nothing (a week
  with no findings is real) and said on stderr (`no_rows`), exit 0.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from warning.regular_file import open_regular

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16
EMPTY = "文件是空的 (0 字节), 请确认导出的是正确的文件 (empty file)"
BLANK = "文件中只有空行或空白, 没有任何内容, 请确认导出的是正确的文件 (blank file)"
NOTHING = "文件中没有内容 (只有空行或注释), 请确认导出的是正确的文件 (no content)"


def blank_reason(path: Path) -> str | None:
    """Return why the file at `path` holds nothing (no bytes, only blanks) or is of another
    kind than its suffix says (`other_kind`), or None.

    Reads until the first byte that is not blank: a file with content costs one chunk.
    A FIFO or a device is refused (OSError) unread, as its importer refuses it."""
    with open_regular(path) as handle:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return EMPTY
        if other := other_kind(chunk, path.suffix.lower()):
            return other
        chunk = chunk.removeprefix(_BOM)
        while True:
            if chunk.strip():  # bytes.strip() drops ASCII whitespace only
                return None
            chunk = handle.read(_CHUNK)
            if not chunk:
                return BLANK


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the Office files before 2007
_ZIP = b"PK\x03\x04"


def other_kind(head: bytes, suffix: str) -> str | None:
    """Say what a file is if its first bytes show another kind than `suffix` (an .xlsx
    renamed .csv, an old .xls, a text saved as UTF-16), or None.

    Read as their suffix says, each failed as 无法识别编码 or as one bad JSON line per
    line of zip bytes, which says nothing of what to do."""
    if head.startswith(_OLE):
        return ("这是旧版 Excel (.xls) 或其他 Office 文件, 不能直接导入: 请在 Excel 中另存为"
                " .xlsx 或“CSV UTF-8 (逗号分隔)” (old Office file)")
    if head.startswith(b"%PDF-"):
        return "这是 PDF 文件, 不能导入: 请导入原始的表格文件 (.xlsx 或 .csv) (PDF file)"
    if head.startswith(_ZIP) and suffix != ".xlsx":
        return f"这是 .xlsx (zip) 文件, 扩展名却是 {suffix}: 请把扩展名改为 .xlsx (zip file)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and suffix != ".xlsx":
        return ("文件是 UTF-16 编码 (Excel 的“Unicode 文本”): 请另存为“CSV UTF-8 (逗号分隔)”"
                " (UTF-16 file)")
    return None


def no_rows(path: Path, noun: str) -> str:
    """Say that a file had a header and no rows under it, so nothing was imported."""
    return f"{path}: 文件中没有{noun}行, 未导入任何{noun} (no rows)"


_SEPARATORS = (("\t", "制表符"), (";", "分号"), ("；", "分号"), ("|", "竖线"))


def separator_hint(cells: Sequence[Any], is_title: Callable[[str], bool]) -> str | None:
    """Say so if a row's cells are titles joined by another separator than the comma (a
    tab-separated export, a semicolon from a European Excel), else None."""
    for mark, name in _SEPARATORS:
        parts = [part for cell in cells if isinstance(cell, str) and mark in cell
                 for part in cell.split(mark)]
        if sum(1 for part in parts if is_title(part)) >= 2:
            return (f"第1行的列之间用的是{name}, 不是逗号: 请另存为“CSV UTF-8 (逗号分隔)”"
                    " 后再导入 (separator is not a comma)")
    return None


def not_a_header(cells: list[str], known: str) -> str:
    """Say that a first row names no known column, quoting what it holds."""
    shown = "、".join(f"“{cell[:20]}”" for cell in cells[:4] if cell) or "(空行)"
    return f"第1行不是表头: 没有一列是已知的列名 (读到 {shown}; 应有 {known} 等列)"
