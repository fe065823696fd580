"""Validate organisation rows into a plan of units, departments, posts and people."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from warning.org.columns import HEADER_OF
from warning.register.rows import RawRow, RowProblem, cell_text

MAX_LENGTH: dict[str, int] = {
    "unit_code": 32,
    "unit": 200,
    "department_code": 32,
    "department": 200,
    "leader": 100,
    "post": 200,
    "person": 100,
    "title": 100,
    "email": 200,
}
# a letter or digit first: "-" alone is the subject key's "no department" (person:-:name)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# 分管领导 as 姓名(部门编码), for a leader who shares a name (full-width brackets fold by NFKC)
_QUALIFIED = re.compile(r"(.+?)\s*\(\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\)")


def leader_cell(name: str, department: str | None, ambiguous: bool) -> str:
    """Write a leader as the file names them: 姓名(部门编码) where the name is shared."""
    return f"{name}({department})" if ambiguous and department else name


@dataclass(frozen=True)
class Existing:
    """The organisation already in the database, which rows may refer to."""

    units: Mapping[str, str] = field(default_factory=dict)  # code -> name
    departments: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # code -> (name, unit)
    people: tuple[tuple[str, str | None], ...] = ()  # (name, department code)


@dataclass
class DepartmentPlan:
    """A department as the file describes it."""

    line: int
    code: str
    name: str
    unit: str
    leader: str | None = None
    leader_department: str | None = None  # the leader's department code (None: none)


@dataclass(frozen=True)
class PersonPlan:
    """A person as the file describes it; `department` is a department code."""

    line: int
    name: str
    department: str | None
    post: str | None
    title: str
    email: str


@dataclass
class OrgPlan:
    """Everything a valid file asks for, keyed as it is stored."""

    units: dict[str, str] = field(default_factory=dict)
    departments: dict[str, DepartmentPlan] = field(default_factory=dict)
    posts: list[tuple[str, str]] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)


def _text(value: object) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)) if value is not None else ""


def _unstorable(value: str) -> str | None:
    """Say why a cell is not one line of storable text: a control character (NUL, which
    PostgreSQL refuses, a line break, a tab ...) or a lone surrogate; None if it is."""
    for char in value:
        kind = unicodedata.category(char)
        if kind == "Cc":
            return f"含控制字符 U+{ord(char):04X} (须是一行文字, 不能含换行、制表符等)"
        if kind == "Cs":
            return f"含无效字符 U+{ord(char):04X} (不是合法的 Unicode 文字)"
    return None


def parse_org(raw_rows: Iterable[RawRow], existing: Existing) -> tuple[OrgPlan, list[RowProblem]]:
    """Check every row against the others and the database; return the plan and all problems."""
    rows = [(raw, {key: _text(value) for key, value in raw.values.items()}) for raw in raw_rows]
    plan = OrgPlan()
    problems: list[RowProblem] = []
    for _raw, text in rows:  # first pass: units named by code, so a blank unit can default
        if text.get("unit_code") and text.get("unit"):
            plan.units.setdefault(text["unit_code"], text["unit"])
    parser = _RowParser(plan, existing)
    for raw, text in rows:
        messages = [f"未知字段“{key}”" for key in raw.unknown]
        messages += parser.row(raw.line, text) if not messages else []
        problems.extend(RowProblem(raw.line, message) for message in messages)
    problems.extend(parser.resolve_leaders())
    return plan, problems


class _RowParser:
    """Fold rows into the plan one by one, remembering where each thing was first named."""

    def __init__(self, plan: OrgPlan, existing: Existing) -> None:
        self.plan = plan
        self.existing = existing
        self.person_lines: dict[tuple[str | None, str], int] = {}
        self.leader_lines: dict[str, tuple[int, str]] = {}
        self.posts: set[tuple[str, str]] = set()

    def row(self, line: int, text: dict[str, str]) -> list[str]:
        unstorable = [f"{HEADER_OF[key]}{why}" for key, value in text.items()
                      if key in HEADER_OF and (why := _unstorable(value))]
        if unstorable:
            return unstorable
        messages = [
            f"{HEADER_OF[key]}超过{limit}个字"
            for key, limit in MAX_LENGTH.items()
            if len(text.get(key, "")) > limit
        ]
        code = text.get("department_code", "")
        if code and not _CODE.fullmatch(code):
            messages.append(f"部门编码“{code}”只能含字母、数字和 _ - ., 且以字母或数字开头")
        email = text.get("email", "")
        if email and not _EMAIL.fullmatch(email):
            messages.append(f"邮箱“{email}”格式不正确")
        if not code and text.get("department"):
            code = self._department_by_name(text["department"], messages) or ""
        if not code and not text.get("person"):
            messages.append("缺少部门编码 (每行须有部门编码或人员)")
        if text.get("post") and not code:
            messages.append(f"岗位“{text['post']}”须同时填写部门编码")
        if text.get("leader") and not code:
            messages.append(f"分管领导“{text['leader']}”须同时填写部门编码")
        if messages:
            return messages
        if code:
            messages += self._department(line, code, text)
        if messages:
            return messages
        if text.get("post") and (code, text["post"]) not in self.posts:  # a set: O(1)
            self.posts.add((code, text["post"]))
            self.plan.posts.append((code, text["post"]))
        if text.get("person"):
            messages += self._person(line, code or None, text)
        return messages

    def _department_by_name(self, name: str, messages: list[str]) -> str | None:
        codes = {c for c, d in self.plan.departments.items() if d.name == name}
        codes |= {c for c, (n, _) in self.existing.departments.items() if n == name}
        if len(codes) == 1:
            return codes.pop()
        if codes:
            listed = "/".join(sorted(codes))
            messages.append(f"部门“{name}”有多个同名部门，请填写部门编码 ({listed})")
        else:
            messages.append(f"部门“{name}”不存在，新部门须填写部门编码")
        return None

    def _unit(self, text: dict[str, str]) -> tuple[str | None, str | None]:
        """Return (unit code, problem) for a row's unit cells."""
        code, name = text.get("unit_code", ""), text.get("unit", "")
        known = {**self.existing.units, **self.plan.units}
        if code:
            if code not in known and not name:
                return None, f"单位编码“{code}”是新单位，须填写单位名称"
            self.plan.units.setdefault(code, name or known[code])
            return code, None
        if name:
            codes = sorted(c for c, n in known.items() if n == name)
            if len(codes) == 1:
                return codes[0], None
            return None, f"单位“{name}”不存在或不唯一，请填写单位编码"
        return None, None

    def _department(self, line: int, code: str, text: dict[str, str]) -> list[str]:
        unit, problem = self._unit(text)
        if problem:
            return [problem]
        plan = self.plan.departments.get(code)
        stored = self.existing.departments.get(code)
        name = text.get("department", "")
        if plan is None:
            if not name and stored is None:
                return [f"部门编码“{code}”是新部门，须填写部门名称"]
            unit = unit or (stored[1] if stored else self._only_unit())
            if unit is None:
                return ["缺少单位 (须填写单位编码和单位名称)"]
            plan = DepartmentPlan(line, code, name or stored[0], unit)  # type: ignore[index]
            self.plan.departments[code] = plan
        else:
            if name and name != plan.name:
                return [f"部门编码“{code}”在第{plan.line}行名为“{plan.name}”，此处为“{name}”"]
            if unit and unit != plan.unit:
                return [f"部门“{code}”在第{plan.line}行属单位“{plan.unit}”，此处为“{unit}”"]
        leader = text.get("leader", "")
        if leader:
            first = self.leader_lines.get(code)
            if first and first[1] != leader:
                return [f"部门“{code}”的分管领导在第{first[0]}行为“{first[1]}”，此处为“{leader}”"]
            self.leader_lines.setdefault(code, (line, leader))
            plan.leader = leader
        return []

    def _only_unit(self) -> str | None:
        units = {**self.existing.units, **self.plan.units}
        return next(iter(units)) if len(units) == 1 else None

    def _person(self, line: int, department: str | None, text: dict[str, str]) -> list[str]:
        key = (department, text["person"])
        if key in self.person_lines:
            where = f"部门“{department}”" if department else "无部门"
            return [f"人员“{key[1]}”({where})与第{self.person_lines[key]}行重复"]
        self.person_lines[key] = line
        self.plan.people.append(PersonPlan(
            line, text["person"], department, text.get("post") or None,
            text.get("title", ""), text.get("email", ""),
        ))
        return []

    def resolve_leaders(self) -> list[RowProblem]:
        """Check that each leader names exactly one person, in the file or the database:
        by name, or as 姓名(部门编码) where two people share the name."""
        people = set(self.person_lines) | {(d, n) for n, d in self.existing.people}
        homes: dict[str, set[str]] = {}  # name -> departments ("" for none), built once
        for department, name in people:
            homes.setdefault(name, set()).add(department or "")
        problems = []
        for code, (line, leader) in self.leader_lines.items():
            qualified = _QUALIFIED.fullmatch(leader)
            matches = sorted(homes.get(leader, ()))
            if not matches and qualified:
                name, where = qualified.groups()
                if (where, name) not in people:
                    problems.append(RowProblem(
                        line, f"分管领导“{leader}”不是部门“{where}”的人员"))
                    continue
                matches, leader = [where], name
            if not matches:
                problems.append(RowProblem(line, f"分管领导“{leader}”不在人员中 (须先列为人员)"))
            elif len(matches) > 1:
                options = "或".join(f"“{leader}({d})”" for d in matches if d)
                problems.append(RowProblem(
                    line, f"分管领导“{leader}”有多个同名人员 (部门 {'/'.join(matches)}): "
                          f"请写成 姓名(部门编码), 即 {options}"
                ))
            else:
                plan = self.plan.departments[code]
                plan.leader, plan.leader_department = leader, matches[0] or None
        return problems
