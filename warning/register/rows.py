"""Parse and validate raw register rows into typed rows, collecting every problem."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from warning.domain.enums import LEVEL_ALIASES, OWNER_LEVEL_ALIASES, Level, OwnerLevel
from warning.domain.input_text import bad_text
from warning.register.columns import HEADER_OF

MAX_LENGTH: dict[str, int] = {
    "code": 32,
    "name": 200,
    "post": 200,
    "business_area": 100,
    "responsible_person": 100,
}
REQUIRED: tuple[str, ...] = ("code", "name", "category", "level")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_EXCEL_SERIAL = range(1, 2958466)


@dataclass(frozen=True)
class RawRow:
    """One data row as read from a file: its line and the cell value of each field."""

    line: int
    values: Mapping[str, Any]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row (or with the file when `line` is None), worded in Chinese."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Catalog:
    """What rows are checked against: the category names and departments (code -> name)."""

    categories: tuple[str, ...]
    departments: Mapping[str, str]

    def find_department(self, text: str) -> list[str]:
        """Return the codes a department cell may mean: its code, else every same-named one."""
        if text in self.departments:
            return [text]
        return [code for code, name in self.departments.items() if name == text]


@dataclass(frozen=True)
class RegisterRow:
    """One validated risk point; `department` is a department code."""

    line: int
    code: str
    name: str
    category: str
    level: Level
    owner_level: OwnerLevel
    manifestation: str = ""
    department: str | None = None
    post: str | None = None
    business_area: str = ""
    prevention: str = ""
    monitoring: str = ""
    handling: str = ""
    responsible_person: str = ""
    reviewed_on: date | None = None


def cell_text(value: Any) -> str:
    """Return a cell as trimmed text; whole floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def parse_date(value: Any) -> date | None:
    """Read 2024-05-01, 2024/5/1, 2024年5月1日, a date cell or an Excel serial; else ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if int(value) in _EXCEL_SERIAL:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise ValueError(value)
    match = _DATE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if match is None:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def parse_level(text: str) -> Level | None:
    """Return the level an alias names (高/中/低, 一级/二级/三级, 高/一般/低, high...)."""
    table = {_fold(alias): level for alias, level in LEVEL_ALIASES.items()}
    return table.get(_fold(text))


def parse_owner_level(text: str) -> OwnerLevel | None:
    """Return the owner level an alias names (岗位/部门/领导班子/单位, post...)."""
    table = {_fold(alias): owner for alias, owner in OWNER_LEVEL_ALIASES.items()}
    return table.get(_fold(text))


def parse_rows(
    raw_rows: Iterable[RawRow], catalog: Catalog
) -> tuple[list[RegisterRow], list[RowProblem]]:
    """Validate every row against the catalog; return the good rows and all problems."""
    rows: list[RegisterRow] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for raw in raw_rows:
        row, messages = _parse_row(raw, catalog)
        code = _code(raw.values.get("code"))
        if code in first_line:
            messages.append(f"编号“{code}”与第{first_line[code]}行重复")
        elif code:
            first_line[code] = raw.line
        problems.extend(RowProblem(raw.line, message) for message in messages)
        if row is not None and not messages:
            rows.append(row)
    return rows, problems


def _code(value: Any) -> str:
    return unicodedata.normalize("NFKC", cell_text(value))


def _parse_row(raw: RawRow, catalog: Catalog) -> tuple[RegisterRow | None, list[str]]:
    messages = [f"未知字段“{key}”" for key in raw.unknown]
    text: dict[str, str] = {}
    unreadable = len(messages)
    for key, value in raw.values.items():
        try:
            text[key] = cell_text(value)
        except ValueError:  # e.g. an int too long for str()
            messages.append(f"{HEADER_OF.get(key, key)}无法读取")
            continue
        problem = bad_text(text[key])
        if problem is not None:
            messages.append(f"{HEADER_OF.get(key, key)}: {problem}")
    if len(messages) > unreadable:
        return None, messages
    text["code"] = _code(raw.values.get("code"))
    for key in REQUIRED:
        if not text.get(key):
            messages.append(f"缺少{HEADER_OF[key]}")
    for key, limit in MAX_LENGTH.items():
        if len(text.get(key, "")) > limit:
            messages.append(f"{HEADER_OF[key]}超过{limit}个字")
    level = parse_level(text["level"]) if text.get("level") else None
    if text.get("level") and level is None:
        messages.append(f"风险等级“{text['level']}”不是 高/中/低")
    category = text.get("category", "")
    if category and category not in catalog.categories:
        messages.append(f"风险类别“{category}”不在类别表中 ({'/'.join(catalog.categories)})")
    department = _department(text.get("department", ""), catalog, messages)
    post = text.get("post") or None
    if post and not text.get("department"):
        messages.append(f"岗位“{post}”须同时填写部门")
    owner = _owner_level(text.get("owner_level", ""), post, department, messages)
    try:
        reviewed_on = parse_date(raw.values.get("reviewed_on"))
    except (ValueError, OverflowError):
        reviewed_on = None
        messages.append(f"复核日期“{text.get('reviewed_on', '')}”不是有效日期 (如 2024-05-01)")
    if messages or level is None or owner is None:
        return None, messages
    return RegisterRow(
        line=raw.line,
        code=text["code"],
        name=text["name"],
        category=category,
        level=level,
        owner_level=owner,
        manifestation=text.get("manifestation", ""),
        department=department,
        post=post,
        business_area=text.get("business_area", ""),
        prevention=text.get("prevention", ""),
        monitoring=text.get("monitoring", ""),
        handling=text.get("handling", ""),
        responsible_person=text.get("responsible_person", ""),
        reviewed_on=reviewed_on,
    ), messages


def _department(text: str, catalog: Catalog, messages: list[str]) -> str | None:
    if not text:
        return None
    codes = catalog.find_department(text)
    if not codes:
        messages.append(f"部门“{text}”不存在")
    elif len(codes) > 1:
        messages.append(f"部门“{text}”有多个同名部门，请填写部门编码 ({'/'.join(codes)})")
    return codes[0] if len(codes) == 1 else None


def _owner_level(
    text: str, post: str | None, department: str | None, messages: list[str]
) -> OwnerLevel | None:
    if not text:
        return OwnerLevel.POST if post else OwnerLevel.DEPARTMENT if department else OwnerLevel.UNIT
    owner = parse_owner_level(text)
    if owner is None:
        messages.append(f"风险层级“{text}”不是 岗位/部门/领导班子/单位")
    return owner
