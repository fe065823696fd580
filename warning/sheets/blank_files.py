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

from pathlib import Path

from warning.regular_file import open_regular
from warning.sheets.file_kinds import other_kind

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


def no_rows(path: Path, noun: str) -> str:
    """Say that a file had a header and no rows under it, so nothing was imported."""
    return f"{path}: 文件中没有{noun}行, 未导入任何{noun} (no rows)"
