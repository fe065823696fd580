"""A signal file's column titles: the field each names, however the title is written.

Titles were matched exactly: "Title", "TITLE", "external id", a full-width "标题" with a
hint such as "金额(元)" were unknown columns, and each row failed on the first field
pydantic named ("external_id: 缺少必填字段") while the file had an 編號 column: the
unknown column itself was never named. Titles are folded as the register's are (width,
spaces, underscores, marks, bracketed hints, case); a header with a
column no title names is refused once, naming it; 序号 (a running number) is ignored.
"""

from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path

from warning.services.signal_input import SignalIn
from warning.sheets.headers import normalize_header, not_a_header, separator_hint

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
IGNORED = "序号"  # a running number: carries nothing
KNOWN_SHOWN = "渠道、编号、标题 (或 channel、external_id、title)"
# A 台账 has a title row (often merged) and maybe a blank row above its header: its header
# is looked for this far down when the first row names no column.
HEADER_SCAN_ROWS = 10
ALL_SHOWN = "渠道、编号、标题、内容、部门、人员、岗位、金额、发生时间 (或其英文字段名)"


class SignalFileError(ValueError):
    """A file that cannot be read at all (format, encoding, header)."""


@lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    """Fold a column title as the register's are: width, spaces, underscores, marks,
    bracketed hints and case (normalize_header), once per distinct title."""
    return normalize_header(title)


@cache
def _common() -> dict[str, str]:
    table = {title_key(name): name for name in SignalIn.model_fields}
    table.update({title_key(title): name for title, name in HEADERS.items()})
    table[title_key(IGNORED)] = ""
    return table


@lru_cache(maxsize=64)
def _table(columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {**_common(), **{title_key(title): name for title, name in columns}}


def field_table(columns: Mapping[str, str] | None) -> dict[str, str]:
    """Return folded title -> field ("" for an ignored column), a channel's `columns` too."""
    return _table(tuple((columns or {}).items()))


def _fields(cells: Sequence[str], table: Mapping[str, str]) -> set[str]:
    return {table.get(title_key(cell), "") for cell in cells if cell} - {""}


def header_line(
    path: Path, sheet: str | None, rows: Sequence[Sequence[str]], table: Mapping[str, str],
) -> int:
    """Return the number of a sheet's header row among its first `rows`: row 1 when it
    names any known column (check_header judges it), else the first row that names the
    title and another known column (or the title alone), above which only title rows
    stand (one cell filled at most, as a merged title is read, or saved to .csv:
    "台账,,,,") or blank ones. A
    header below any other row is refused: what stands above it may be data, or a second
    header. `sheet`: the sheet's name, None for a .csv."""
    if not rows or _fields(rows[0], table):
        return 1
    for number, cells in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        fields = _fields(cells, table)
        # the title and another known column; or the title alone, as a one-column file has
        if "title" not in fields or (len(fields) < 2 and sum(1 for c in cells if c) > 1):
            continue
        for above, over in enumerate(rows[: number - 1], start=1):
            if sum(1 for cell in over if cell) > 1:
                raise SignalFileError(
                    f"{path}: {_sheet(sheet)}第{number}行像是表头, 但其上方第{above}行不是"
                    "标题行 (有多个非空单元格): 表头须在第1行, 其上只可有一行标题或空行 "
                    "(the header must be the first row, below a title row at most)")
        return number
    _refuse_untitled(path, sheet, rows, table)
    return 1


def _sheet(name: str | None) -> str:
    return "" if name is None else f"工作表“{name}”"


def _refuse_untitled(
    path: Path, sheet: str | None, rows: Sequence[Sequence[str]], table: Mapping[str, str],
) -> None:
    """Refuse a header below row 1 that names known columns but no title: the sheet was
    refused as "第1行应为表头" (or "第1行不是表头"), sending the reader to the wrong row."""
    for number, cells in enumerate(rows[1:HEADER_SCAN_ROWS], start=2):
        if len(_fields(cells, table)) >= 2:
            named = "、".join(f"“{cell[:20]}”" for cell in cells
                             if cell and table.get(title_key(cell)))
            raise SignalFileError(
                f"{path}: {_sheet(sheet)}第{number}行像是表头 (有 {named}), 但没有“标题”列: "
                "表头不在第1行时须有 标题 列 (a header below row 1 must name the title)")


def check_header(
    path: Path, header: Sequence[str], table: Mapping[str, str], line: int = 1,
) -> None:
    """Refuse a first row that names no known column (a file exported without its header),
    names a column no title in `table` (folded title -> field) knows, or names one field
    twice: each row would fail on it, or keep one of the two in silence. `line`: the
    header's row, named in the messages."""
    keys = [title_key(name) if name else "" for name in header]
    if not any(key in table for key in keys if key):
        hint = separator_hint(header, lambda part: title_key(part) in table)
        raise SignalFileError(f"{path}: {hint or not_a_header(list(header), KNOWN_SHOWN)}")
    unknown = [name for name, key in zip(header, keys, strict=True) if key and key not in table]
    if unknown:
        named = "、".join(f"“{name[:40]}”" for name in unknown[:10])
        raise SignalFileError(f"{path}: 第{line}行表头有未知的列 {named} (可用的列: {ALL_SHOWN})")
    seen: dict[str, tuple[int, str]] = {}  # field -> (column, title)
    for column, (name, key) in enumerate(zip(header, keys, strict=True), start=1):
        field = table.get(key) if key else None
        if not field:
            continue
        if field in seen:
            first, title = seen[field]
            if title == name:
                raise SignalFileError(f"{path}: 第{line}行表头“{name}”出现两次（第{first}列和"
                                      f"第{column}列），请删除或改名其中一列")
            raise SignalFileError(f"{path}: 第{line}行表头“{title}”和“{name}”两列都是 {field}，"
                                  f"请只保留一列（第{first}列和第{column}列）")
        seen[field] = (column, name)
