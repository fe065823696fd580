"""Read signals from .jsonl, .csv and .xlsx files, with the line of each row."""

import hashlib
import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warning.domain.validation_zh import zh_message
from warning.services.signal_headers import (
    HEADER_SCAN_ROWS,
    SignalFileError,
    check_header,
    field_table,
    header_line,
    title_key,
)
from warning.services.signal_input import SignalIn, naive_to_shanghai
from warning.sheets.blank_files import blank_reason
from warning.sheets.csv_encoding import MixedEncodingError, encoding_of, undecodable_line
from warning.sheets.csv_records import CsvFormatError, records


@dataclass(frozen=True)
class RowError:
    """A row that cannot become a signal."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行: {self.message}"


__all__ = ["RowError", "SignalFileError", "read_rows", "to_signal"]


def read_rows(
    path: Path, columns: Mapping[str, str] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, raw row) for every data row of a signal file; a spreadsheet's header
    must name only known columns (signal_headers: HEADERS, a field, or one of a file
    channel's `columns`)."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv", ".xlsx"):
        raise SignalFileError(f"{path}: 不支持的文件类型 {suffix} (只支持 .jsonl .csv .xlsx)")
    reason = blank_reason(path)
    if reason is not None:
        raise SignalFileError(f"{path}: {reason}")
    known = field_table(columns)
    if suffix == ".jsonl":
        yield from _jsonl(path)
    elif suffix == ".csv":
        yield from _csv(path, known)
    else:
        # openpyxl brings numpy and PIL (0.2 s): a .jsonl or .csv import never loads it
        from warning.services.signal_xlsx import xlsx_rows

        yield from xlsx_rows(path, known)


def to_signal(
    line: int, raw: Mapping[str, Any], channel: str | None,
    columns: Mapping[str, str] | None = None,
) -> SignalIn | RowError:
    """Validate one raw row; a fixed `channel` fills rows that name none.

    `columns` is a file channel's own header map (channels/*.yaml `import.columns`); a row
    without an external id gets one from a hash of its content, so re-importing the same
    file stores nothing twice.
    """
    if "__error__" in raw:
        return RowError(line, str(raw["__error__"]))
    try:
        return _to_signal(line, raw, channel, columns)
    except (ValueError, TypeError, OverflowError) as error:  # e.g. an int too long for str()
        return RowError(line, f"无法读取该行 ({type(error).__name__}: {str(error)[:200]})")




def _to_signal(
    line: int, raw: Mapping[str, Any], channel: str | None, columns: Mapping[str, str] | None
) -> SignalIn | RowError:
    headers = field_table(columns)
    row: dict[str, Any] = {}
    named: dict[str, str] = {}
    for key, value in raw.items():
        title = str(key).strip()
        if any(unicodedata.category(c) == "Cs" for c in title):
            return RowError(line, f"{_shown_name(title)}: 列名含无效字符 (不是合法的 Unicode 文字)")
        field = headers.get(title_key(title)) if title else None
        if field == "":
            continue  # 序号
        field = field or title
        if field in named:  # 标题 beside title, or a channel's column beside a common one
            return RowError(line, f"“{_shown_name(named[field])}”和“{_shown_name(title)}”两列"
                                  f"都是 {_shown_name(field)}，请只保留一列")
        named[field] = title
        if value not in (None, ""):
            row[field] = value
    if "external_id" not in row and columns is not None:
        content = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
        row["external_id"] = "row-" + hashlib.sha256(
            content.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    if channel and "channel" not in row:
        row["channel"] = channel
    for key in TEXT_FIELDS:
        if isinstance(row.get(key), bool | dict | list):  # str() stored "True", "{'a': 1}"
            return RowError(line, f"{named[key]}: 应为文本, 不能是 {_json_kind(row[key])}")
        if key in row and not isinstance(row[key], str):
            text = _number_as_text(row[key])  # a number: an external id such as 20261102
            if text is None:
                return RowError(line, f"{named[key]}: 数字“{row[key]:.17g}”超过 15 位, Excel "
                                "只保留 15 位有效数字, 后面的位数已丢失: 请把该列设为“文本”格式"
                                "后重新录入 (number past 15 digits: store the column as text)")
            row[key] = text
    when = row.get("occurred_at")
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.strip().replace("/", "-"))
        except ValueError:
            return RowError(line, f"occurred_at: 日期“{row['occurred_at']}”无法识别 (YYYY-MM-DD)")
    if isinstance(when, datetime):
        row["occurred_at"] = naive_to_shanghai(when)
    try:
        return SignalIn.model_validate(row)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(_shown_name(str(p)) for p in first["loc"])
        return RowError(line, f"{field}: {zh_message(dict(first))}")


def _shown_name(name: str) -> str:
    """A column's name as a message can show it: a lone surrogate or a control character
    (a JSON key "\\ud800") as its escape; the message read ": 须是文字"."""
    if name.isprintable() and name.strip():
        return name
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace")
                    .decode("ascii") for c in name)
    return f"列名“{shown}”"


TEXT_FIELDS = ("external_id", "department", "person", "post", "title", "text")
EXACT_DIGITS = 10**15  # Excel keeps 15 significant digits of a number


def _number_as_text(value: object) -> str | None:
    """Return a number in a text field as it was typed: 20261102.0 (a spreadsheet's number,
    read as a float) as "20261102", not "20261102.0"; 9.87E+17 (JSON) as its digits. None
    for a float past 15 digits, whose digits the spreadsheet lost: its repr
    ("9.876543210987654e+17") was stored as the id, and two ids became one."""
    if isinstance(value, float):
        if abs(value) >= EXACT_DIGITS:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):  # always finite: JSON's reader refuses NaN and Infinity
        return format(value, "f")
    return str(value)


def _json_kind(value: object) -> str:
    """Name a JSON value that is not text: 对象, 数组 or 布尔值."""
    return "对象 {...}" if isinstance(value, dict) else "数组 [...]" if isinstance(
        value, list) else f"{str(value).lower()} (布尔值)"


class DuplicateKeyError(ValueError):
    """A JSON object naming one key twice: json.loads keeps the last value in silence."""


def _no_constant(name: str) -> Any:
    # json.loads takes NaN and Infinity, which JSON has not: a title NaN was stored as "nan"
    raise ValueError(f"{name} 不是 JSON 的值 (NaN/Infinity are not JSON)")


def _exact_float(text: str) -> Decimal:
    # an exact amount; Decimal raises InvalidOperation (no ValueError) past an exponent of
    # 10^18: 1e99999999999999999999 ended the import in a traceback
    try:
        return Decimal(text)
    except InvalidOperation:
        shown = text if len(text) <= 40 else f"{text[:20]}…{text[-10:]}"
        raise ValueError(f"数字“{shown}”的指数过大, 无法读取 (exponent too large)") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(f"键“{key}”出现两次, 请只保留一个 (duplicate key)")
        found[key] = value
    return found


MAX_LINE_BYTES = 8_000_000  # a row: 1,000,000 characters of text, escaped, and the rest


def _json_problem(error: ValueError) -> str:
    """Say why a line is not read: an integer past Python's 4,300 digits is valid JSON."""
    if "digits" in str(error) and "limit" in str(error):
        return "数字超过 4300 位, 无法读取 (a number of more than 4,300 digits)"
    return f"不是合法的 UTF-8 JSON: {error}"


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = handle.readline(MAX_LINE_BYTES)
                yield number, {"__error__": f"行过长 (超过 {MAX_LINE_BYTES} 字节)"}
                continue
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8-sig"), parse_float=_exact_float,
                                   object_pairs_hook=_unique_keys,
                                   parse_constant=_no_constant)
            except DuplicateKeyError as error:
                yield number, {"__error__": str(error)}
                continue
            except RecursionError:
                yield number, {"__error__": "JSON 嵌套层数过多, 无法读取 (nested too deeply)"}
                continue
            except ValueError as error:  # bad UTF-8 or JSON, an int too long for int()
                yield number, {"__error__": _json_problem(error)}
                continue
            yield number, value if isinstance(value, dict) else {"__error__": "每行须是一个对象"}


def _csv(path: Path, known: Mapping[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open("rb") as raw:
            encoding = encoding_of(raw)
    except MixedEncodingError as error:
        raise SignalFileError(f"{path}: {error}") from None
    with path.open(encoding=encoding, newline="", errors="strict") as handle:
        try:
            rows = records(handle, limit=MAX_LINE_BYTES)
            # A 台账 saved from Excel keeps its title row ("2026年…台账,,,,"): the header is
            # looked for below it, as in a .xlsx (header_line), and named by its own line.
            head = list(islice(rows, HEADER_SCAN_ROWS))
            stripped = [[cell.strip() for cell in cells] for _, cells in head]
            at = header_line(path, None, stripped, known)
            line, _ = head[at - 1] if head else (1, [])
            header = stripped[at - 1] if head else []
            check_header(path, header, known, line)
            width = max((i for i, name in enumerate(header, start=1) if name), default=0)
            for line, cells in chain(head[at:], rows):
                if cells:  # else a blank line, skipped
                    yield line, _by_header(header, width, cells)
        except UnicodeDecodeError:
            raise SignalFileError(_undecodable(path, encoding)) from None
        except CsvFormatError as error:
            raise SignalFileError(f"{path}:{error.line}: {error.message}") from None


def _undecodable(path: Path, encoding: str) -> str:
    """Say which line of a .csv neither UTF-8 nor GBK reads."""
    with path.open("rb") as raw:
        line = undecodable_line(raw, encoding)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: 无法识别编码 (UTF-8 或 GBK): 此行有两种编码都读不出的字节"


def _by_header(header: Sequence[str], width: int, cells: Sequence[str]) -> dict[str, Any]:
    """Map a row's cells to the header's names; a cell under no header is an error, and so
    is a row that stops before the header's last named column (`width`).

    A comma left unquoted in a title shifts the rest of the row one column right: the
    csv module kept the extra cell under the key None. An empty one carries nothing
    (Excel writes trailing commas for a wider range) and is let through. A row with fewer
    cells (a file cut off in its last row, or a comma missing, which shifts the rest left)
    was stored with its last fields empty; Excel writes every column's comma."""
    for column, value in enumerate(cells, start=1):
        if value.strip() and (column > len(header) or not header[column - 1]):
            return {"__error__": f"第{column}列“{value[:40]}”没有表头 (表头有 {len(header)} 列;"
                                 " 单元格内的逗号须加引号)"}
    if len(cells) < width:
        missing = next(name for name in header[len(cells):] if name)
        return {"__error__": f"此行只有 {len(cells)} 列, 表头有 {width} 列: 行被截断或少了逗号 "
                             f"(缺“{missing}”起的列; 空单元格也须写出逗号)"}
    return {name: value for name, value in zip(header, cells, strict=False) if name}
