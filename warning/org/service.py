"""Import the organisation (upsert, all or nothing) and export it; never commits."""

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.admin_lock import take_admin_lock
from warning.db.models import Department, Person, Post, Unit
from warning.org.files import OrgFileError, read_org_file, write_org_file
from warning.org.rows import Existing, OrgPlan, leader_cell, parse_org
from warning.register.rows import RawRow


@dataclass(frozen=True)
class OrgSummary:
    """What an import did, counted per kind."""

    created: Counter[str]
    updated: Counter[str]
    rows: int = 0  # rows the file had: none is said on stderr (warning.sheets.blank_files)

    def __str__(self) -> str:
        kinds = (("unit", "单位"), ("department", "部门"), ("post", "岗位"), ("person", "人员"))
        parts = [
            f"{label} 新增 {self.created[kind]} 个, 更新 {self.updated[kind]} 个"
            for kind, label in kinds
        ]
        return "; ".join(parts)


def existing_org(session: Session) -> Existing:
    """Read what rows may refer to: units, departments and people already stored."""
    units = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    departments = {
        code: (name, unit)
        for code, name, unit in session.execute(
            select(Department.code, Department.name, Unit.code).join(Unit)
        )
    }
    people = tuple(
        (name, code)
        for name, code in session.execute(
            select(Person.name, Department.code).outerjoin(
                Department, Person.department_id == Department.id
            )
        )
    )
    return Existing(units, departments, people)


def import_org(session: Session, path: Path) -> OrgSummary:
    """Import an organisation file; any problem raises OrgFileError and nothing is kept."""
    return import_org_rows(session, read_org_file(path))


def import_org_rows(session: Session, raw_rows: list[RawRow]) -> OrgSummary:
    """Validate every row, then upsert units, departments, posts and people, or raise."""
    take_admin_lock(session)  # read what a change committed meanwhile has added
    plan, problems = parse_org(raw_rows, existing_org(session))
    if problems:
        raise OrgFileError(problems)
    return replace(_apply(session, plan), rows=len(raw_rows))


def _apply(session: Session, plan: OrgPlan) -> OrgSummary:
    created: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    units = {u.code: u for u in session.scalars(select(Unit))}
    for code, name in plan.units.items():
        unit = units.get(code)
        if unit is None:
            units[code] = Unit(code=code, name=name)
            session.add(units[code])
            created["unit"] += 1
        elif unit.name != name:
            unit.name = name
            updated["unit"] += 1
    departments = {d.code: d for d in session.scalars(select(Department))}
    touched: set[str] = set()
    for code, item in plan.departments.items():
        department = departments.get(code)
        if department is None:
            touched.add(code)
            department = Department(code=code, name=item.name, unit=units[item.unit])
            session.add(department)
            departments[code] = department
            created["department"] += 1
        elif department.name != item.name or department.unit_id != units[item.unit].id:
            department.name, department.unit = item.name, units[item.unit]
            updated["department"] += 1
            touched.add(code)
    session.flush()
    posts = {(p.department_id, p.name): p for p in session.scalars(select(Post))}
    for code, name in plan.posts:
        key = (departments[code].id, name)
        if key not in posts:
            posts[key] = Post(department=departments[code], name=name)
            session.add(posts[key])
            created["post"] += 1
    session.flush()
    people = {(p.department_id, p.name): p for p in session.scalars(select(Person))}
    for item in plan.people:
        department = departments[item.department] if item.department else None
        key = (department.id if department else None, item.name)
        post = posts[(department.id, item.post)] if department and item.post else None
        values = {"title": item.title, "email": item.email, "post_id": post.id if post else None}
        person = people.get(key)
        if person is None:
            person = Person(name=item.name, department_id=key[0], **values)
            session.add(person)
            people[key] = person
            created["person"] += 1
        elif any(getattr(person, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(person, k, v)
            updated["person"] += 1
    session.flush()
    for code, item in plan.departments.items():
        if not item.leader:
            continue
        home = departments[item.leader_department].id if item.leader_department else None
        leader = people[(home, item.leader)]
        if departments[code].leader_id != leader.id:
            if code not in touched:
                updated["department"] += 1
            departments[code].leader_id = leader.id
    session.flush()
    return OrgSummary(created, updated)


def org_records(session: Session) -> list[dict[str, str]]:
    """Return the organisation as rows: each person, then posts without people, by department."""
    records: list[dict[str, str]] = []
    people = list(session.scalars(select(Person).order_by(Person.id)))
    staffed = {p.post_id for p in people if p.post_id is not None}
    shared = {name for name, count in Counter(p.name for p in people).items() if count > 1}
    departments = session.scalars(select(Department).order_by(Department.code))
    for department in departments:
        leader = department.leader
        base = {
            "unit_code": department.unit.code,
            "unit": department.unit.name,
            "department_code": department.code,
            "department": department.name,
            "leader": leader_cell(
                leader.name, leader.department.code if leader.department else None,
                leader.name in shared,
            ) if leader else "",
        }
        rows = [
            {**base, "post": p.post.name if p.post else "", "person": p.name,
             "title": p.title, "email": p.email}
            for p in people
            if p.department_id == department.id
        ]
        posts = session.scalars(
            select(Post).where(Post.department_id == department.id).order_by(Post.id)
        )
        rows += [{**base, "post": p.name} for p in posts if p.id not in staffed]
        records += rows or [base]
    records += [
        {"person": p.name, "title": p.title, "email": p.email}
        for p in people
        if p.department_id is None
    ]
    return records


def export_org(session: Session, path: Path) -> int:
    """Write the organisation to a .xlsx/.csv/.yaml file; return how many rows."""
    records = org_records(session)
    write_org_file(path, records)
    return len(records)
