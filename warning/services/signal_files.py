"""Read signals from .jsonl, .csv and .xlsx files, with the line of each row."""

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warning.services.signal_input import SignalIn, naive_to_shanghai

# Chinese headers accepted in spreadsheets, besides the English field names.
HEADERS: dict[str, str] = {
    "渠道": "channel",
    "编号": "external_id",
    "外部编号": "external_id",
    "标题": "title",
    "内容": "text",
    "正文": "text",
    "问题描述": "text",
    "部门": "department",
    "部门编码": "department",
    "人员": "person",
    "涉及人员": "person",
    "岗位": "post",
    "金额": "amount",
    "涉及金额": "amount",
    "发生时间": "occurred_at",
    "日期": "occurred_at",
}


@dataclass(frozen=True)
class RowError:
    """A row that cannot become a signal."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行: {self.message}"


class SignalFileError(ValueError):
    """A file that cannot be read at all (format, encoding, header)."""


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line, raw row) for every data row of a signal file."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl(path)
    elif suffix == ".csv":
        yield from _csv(path)
    elif suffix == ".xlsx":
        yield from _xlsx(path)
    else:
        raise SignalFileError(f"{path}: 不支持的文件类型 {suffix} (只支持 .jsonl .csv .xlsx)")


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
    headers = {**HEADERS, **(columns or {})}
    row = {headers.get(str(k).strip(), str(k).strip()): v for k, v in raw.items()}
    row = {k: v for k, v in row.items() if v not in (None, "")}
    if "external_id" not in row and columns is not None:
        content = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
        row["external_id"] = "row-" + hashlib.sha256(content.encode()).hexdigest()[:20]
    if channel and "channel" not in row:
        row["channel"] = channel
    for key in ("external_id", "department", "person", "post", "title", "text"):
        if key in row and not isinstance(row[key], str):
            row[key] = str(row[key])
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
        field = ".".join(str(p) for p in first["loc"])
        kind = first["type"]
        message = {"missing": "缺少", "extra_forbidden": "未知字段"}.get(kind, first["msg"])
        return RowError(line, f"{field}: {message}")


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                yield number, {"__error__": f"不是合法的 UTF-8 JSON: {error}"}
                continue
            yield number, value if isinstance(value, dict) else {"__error__": "每行须是一个对象"}


def _csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SignalFileError(f"{path}: 无法识别编码 (UTF-8 或 GBK)")
    reader = csv.DictReader(io.StringIO(text))
    for number, row in enumerate(reader, start=2):
        yield number, dict(row)


def _xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    if not any(header):
        raise SignalFileError(f"{path}: 第1行应为表头")
    for number, values in enumerate(rows, start=2):
        if all(v is None for v in values):
            continue
        yield number, {h: v for h, v in zip(header, values, strict=False) if h}
    book.close()
