"""Read and write the register as .csv: UTF-8 (with or without BOM) or GBK/GB18030 in."""

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from warning.exports.files import defuse_formula, restore_formula
from warning.regular_file import read_regular
from warning.sheets.csv_encoding import MixedEncodingError, encoding_of, undecodable_line
from warning.sheets.csv_records import CsvFormatError, records
from warning.yamlfile import MAX_YAML_BYTES

# Read whole, as the register's .yaml and .xlsx are and with their bound: a 50 MB .csv
# (400,000 risk points) took 2 GB and 50 s to check, and nothing stopped a larger one.
MAX_CSV_BYTES = MAX_YAML_BYTES

__all__ = ["CsvFormatError", "EncodingUnknownError", "decode", "read_table", "write_table"]

class EncodingUnknownError(ValueError):
    """A .csv that is neither UTF-8 nor GBK/GB18030, or mixes the two; `line`: the first
    line neither reads (None: the file as a whole)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 with or without BOM, or GB18030 (a superset of GBK)."""
    try:
        encoding = encoding_of(io.BytesIO(data))
        return data.decode(encoding)
    except MixedEncodingError as error:
        raise EncodingUnknownError(str(error)) from None
    except UnicodeDecodeError:
        line = undecodable_line(io.BytesIO(data), encoding) or None
        raise EncodingUnknownError("无法识别文件编码 (只支持 UTF-8 或 GBK/GB18030)", line) from None


def read_table(path: Path) -> list[tuple[int, list[Any]]]:
    """Return (line where the record starts, cells) for every record, or raise
    CsvFormatError: strict, so a quote left open is refused rather than read to the end."""
    text = io.StringIO(decode(read_regular(path, MAX_CSV_BYTES)), newline="")
    return [(line, [restore_formula(cell) for cell in cells]) for line, cells in records(text)]


def write_table(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write UTF-8 with a BOM (so Excel opens it as UTF-8) and CRLF line ends.

    Text Excel would run as a formula gets a leading apostrophe; `read_table` drops it.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([_cell(v) for v in values])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def _cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return defuse_formula(value) if isinstance(value, str) else value
