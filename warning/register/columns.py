"""The register's fields, their Chinese column headers and the header-row finder.

Spreadsheets (.xlsx, .csv) use the Chinese headers of the seeds' forms
(《部门廉洁风险点识别及防控措施表》 and the like); .yaml files use the English field names.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# (field, the header written on export), in column order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("code", "编号"),
    ("name", "风险点"),
    ("manifestation", "风险表现形式"),
    ("category", "风险类别"),
    ("level", "风险等级"),
    ("owner_level", "风险层级"),
    ("department", "部门"),
    ("post", "岗位"),
    ("business_area", "业务领域"),
    ("prevention", "前期预防措施"),
    ("monitoring", "中期监控措施"),
    ("handling", "后期处置措施"),
    ("responsible_person", "责任人"),
    ("reviewed_on", "复核日期"),
)
FIELD_NAMES: tuple[str, ...] = tuple(field for field, _ in FIELDS)
HEADER_OF: dict[str, str] = dict(FIELDS)

# Other spellings found in units' forms; `防控措施` alone goes into prevention.
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("风险点编号", "编码", "风险编号"),
    "name": ("廉洁风险点", "廉政风险点", "风险点名称", "风险内容"),
    "manifestation": ("表现形式", "风险点表现形式", "主要表现形式"),
    "category": ("类别", "风险类型"),
    "level": ("等级", "风险级别"),
    "owner_level": ("层级", "风险点层级"),
    "department": ("部门名称", "所属部门", "科室", "责任部门", "部门编码"),
    "post": ("岗位名称", "所属岗位"),
    "business_area": ("业务", "业务事项", "重点领域"),
    "prevention": ("防控措施", "防范措施", "前期预防", "预防措施"),
    "monitoring": ("中期监控", "监控措施"),
    "handling": ("后期处置", "后期处理措施", "后期处理", "处置措施"),
    "responsible_person": ("防控责任人", "负责人"),
    "reviewed_on": ("复核时间", "更新日期", "最近复核日期"),
}
# Columns that carry nothing to keep (a running number) and are skipped.
IGNORED_HEADERS: frozenset[str] = frozenset({"序号"})

_BRACKETED = re.compile(r"\(.*?\)|【.*?】|\[.*?\]")
_NOISE = re.compile(r"[\s*:：、.。·]+")


def normalize_header(text: Any) -> str:
    """Fold a header cell: width-normalise, drop spaces, marks and bracketed hints."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return _NOISE.sub("", _BRACKETED.sub("", folded))


def _header_table() -> dict[str, str]:
    table = {normalize_header(header): field for field, header in FIELDS}
    for field, aliases in _ALIASES.items():
        table.update({normalize_header(alias): field for alias in aliases})
    return table


@dataclass(frozen=True)
class Header:
    """The header row of a spreadsheet: its line and the field of each column."""

    line: int
    fields: dict[int, str]
    unknown: tuple[str, ...]
    duplicates: tuple[str, ...]


def read_header(line: int, cells: Sequence[Any]) -> Header:
    """Map each header cell to a field, noting unknown and repeated columns."""
    table = _header_table()
    fields: dict[int, str] = {}
    first_header: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key or key in IGNORED_HEADERS:
            continue
        field = table.get(key)
        if field is None:
            unknown.append(str(cell).strip())
        elif field in first_header:
            duplicates.append(f"“{str(cell).strip()}”与“{first_header[field]}”")
        else:
            first_header[field] = str(cell).strip()
            fields[index] = field
    return Header(line, fields, tuple(unknown), tuple(duplicates))


def find_header(rows: Iterable[tuple[int, Sequence[Any]]], scan: int = 10) -> Header | None:
    """Return the first row (within `scan` rows) with at least two known headers."""
    table = _header_table()
    for count, (line, cells) in enumerate(rows):
        if count >= scan:
            break
        known = sum(1 for cell in cells if normalize_header(cell) in table)
        if known >= 2:
            return read_header(line, cells)
    return None
