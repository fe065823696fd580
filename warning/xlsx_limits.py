"""Refuse an .xlsx before openpyxl reads it: not a zip, too large unpacked, a huge cell.

openpyxl's read_only mode streams the sheet but reads the shared-strings part whole, and
a 311 KB file holding one huge cell took 700 MB before it was refused. These checks read
the zip's directory and stream each XML part once, in 1 MB pieces.
"""

import zipfile
import zlib
from pathlib import Path

MAX_CELL_BYTES = 8_000_000  # the longest run of XML text between two tags in an .xlsx
MAX_XLSX_BYTES = 256_000_000  # an .xlsx's parts, uncompressed, all together
MAX_SHARED_STRINGS_BYTES = 64_000_000  # openpyxl reads this part whole, even read_only


class XlsxRefused(ValueError):
    """An .xlsx that is damaged or too large to read; the message is in Chinese."""


def check_xlsx(path: Path, max_bytes: int = MAX_XLSX_BYTES) -> None:
    """Refuse an .xlsx that is not a zip, or whose parts or cells are too large to read."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            total = sum(p.file_size for p in parts)
            if total > max_bytes:
                raise XlsxRefused(f"{path}: 解压后 {total} 字节，超过 {max_bytes} 字节上限")
            for part in parts:
                if part.filename.endswith("sharedStrings.xml") and (
                    part.file_size > MAX_SHARED_STRINGS_BYTES
                ):
                    raise XlsxRefused(
                        f"{path}: 共享字符串表超过 {MAX_SHARED_STRINGS_BYTES} 字节上限")
                if part.filename.endswith(".xml"):
                    check_part(archive, part, path)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise XlsxRefused(
            f"{path}: 不是有效的 .xlsx 文件 (文件损坏或不完整: {error})") from None


def check_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, path: Path) -> None:
    """Refuse a part holding a text run longer than MAX_CELL_BYTES, streaming it."""
    run = 0  # bytes since the last "<", carried across chunks
    with archive.open(part) as handle:
        while chunk := handle.read(1 << 20):
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                run = max([run + len(pieces[0]), *(len(p) for p in pieces[1:-1])])
                if run <= MAX_CELL_BYTES:
                    run = len(pieces[-1])
            if run > MAX_CELL_BYTES:
                raise XlsxRefused(
                    f"{path}: {part.filename} 中有超过 {MAX_CELL_BYTES} 字节的单元格")
