"""The organisation file's fields and their Chinese column headers.

Every format (.xlsx, .csv, .yaml) uses the same Chinese headers; one row is a person, a
post without people, or a department without either. The English names are accepted too.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from warning.register.columns import normalize_header

# (field, the header written on export), in column order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("unit_code", "单位编码"),
    ("unit", "单位"),
    ("department_code", "部门编码"),
    ("department", "部门"),
    ("leader", "分管领导"),
    ("post", "岗位"),
    ("person", "人员"),
    ("title", "职务"),
    ("email", "邮箱"),
)
HEADER_OF: dict[str, str] = dict(FIELDS)

_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位代码",),
    "unit": ("单位名称",),
    "department_code": ("部门代码", "科室编码"),
    "department": ("部门名称", "科室"),
    "leader": ("分管领导姓名", "分管"),
    "post": ("岗位名称",),
    "person": ("姓名", "人员姓名"),
    "title": ("职称",),
    "email": ("电子邮箱", "邮件", "email地址"),
}
IGNORED_HEADERS: frozenset[str] = frozenset({"序号"})


def header_table() -> dict[str, str]:
    """Return every accepted header (folded) with the field it names."""
    table = {normalize_header(header): field for field, header in FIELDS}
    table.update({normalize_header(field): field for field, _ in FIELDS})
    for field, aliases in _ALIASES.items():
        table.update({normalize_header(alias): field for alias in aliases})
    return table


@dataclass(frozen=True)
class Header:
    """The header row: its line, the field of each column, unknown and repeated headers."""

    line: int
    fields: dict[int, str]
    unknown: tuple[str, ...]
    duplicates: tuple[str, ...]


def read_header(line: int, cells: Sequence[Any]) -> Header:
    """Map each header cell to a field, noting unknown and repeated columns."""
    table = header_table()
    fields: dict[int, str] = {}
    first: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key or key in IGNORED_HEADERS:
            continue
        field = table.get(key)
        if field is None:
            unknown.append(str(cell).strip())
        elif field in first:
            duplicates.append(f"“{str(cell).strip()}”与“{first[field]}”")
        else:
            first[field] = str(cell).strip()
            fields[index] = field
    return Header(line, fields, tuple(unknown), tuple(duplicates))


def find_header(rows: Iterable[tuple[int, Sequence[Any]]], scan: int = 10) -> Header | None:
    """Return the first row (within `scan` rows) with at least two known headers."""
    table = header_table()
    for count, (line, cells) in enumerate(rows):
        if count >= scan:
            break
        if sum(1 for cell in cells if normalize_header(cell) in table) >= 2:
            return read_header(line, cells)
    return None
