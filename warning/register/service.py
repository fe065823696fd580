"""Import the register into the database (upsert by code) and export it; never commits."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from warning.db.admin_lock import take_admin_lock
from warning.db.models import Category, Department, Post, RiskPoint
from warning.domain.enums import Level, OwnerLevel
from warning.register.files import RegisterError, read_register, write_register
from warning.register.rows import Catalog, RawRow, RegisterRow, cell_text, parse_rows

_COPIED = (
    "name",
    "manifestation",
    "category",
    "business_area",
    "responsible_person",
    "reviewed_on",
)
_MEASURES = {
    "measure_prevention": "prevention",
    "measure_monitoring": "monitoring",
    "measure_handling": "handling",
}


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: risk points inserted, updated, unchanged; posts it created."""

    inserted: int
    updated: int
    unchanged: int
    new_posts: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Return how many rows the file had."""
        return self.inserted + self.updated + self.unchanged

    def __str__(self) -> str:
        text = f"新增 {self.inserted} 条, 更新 {self.updated} 条, 未变 {self.unchanged} 条"
        if self.new_posts:
            text += f"; 新建岗位 {len(self.new_posts)} 个: {'、'.join(self.new_posts)}"
        return text


def load_catalog(session: Session) -> Catalog:
    """Read the category names and departments that register rows are checked against."""
    categories = tuple(session.scalars(select(Category.name).order_by(Category.position)))
    departments = {
        code: name
        for code, name in session.execute(
            select(Department.code, Department.name).order_by(Department.code)
        )
    }
    return Catalog(categories, departments)


def import_register(session: Session, path: Path) -> ImportSummary:
    """Import a .xlsx/.csv/.yaml register file; any problem raises RegisterError, nothing kept."""
    return import_rows(session, read_register(path))


def import_rows(session: Session, raw_rows: Sequence[RawRow]) -> ImportSummary:
    """Validate every row, then upsert all of them by code, or raise RegisterError."""
    take_admin_lock(session)  # it adds posts too: read what an org change or import added
    rows, problems = parse_rows(raw_rows, load_catalog(session))
    if problems:
        raise RegisterError(problems)
    departments = {d.code: d for d in session.scalars(select(Department))}
    posts = {(p.department_id, p.name): p for p in session.scalars(select(Post))}
    existing = {p.code: p for p in session.scalars(select(RiskPoint))}
    counts: Counter[str] = Counter()
    new_posts: list[str] = []
    for row in rows:
        department = departments[row.department] if row.department else None
        post = None
        if department is not None and row.post:
            post = posts.get((department.id, row.post))
            if post is None:
                post = Post(department=department, name=row.post)
                session.add(post)
                session.flush()
                posts[(department.id, row.post)] = post
                new_posts.append(f"{department.name}/{row.post}")
        point = existing.get(row.code)
        if point is None:
            point = RiskPoint(code=row.code)
            session.add(point)
            counts["inserted"] += 1
        elif _changed(point, row, department, post):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
            continue
        _apply(point, row, department, post)
    session.flush()
    return ImportSummary(
        counts["inserted"], counts["updated"], counts["unchanged"], tuple(new_posts)
    )


def _target(
    row: RegisterRow, department: Department | None, post: Post | None
) -> dict[str, object]:
    values: dict[str, object] = {key: getattr(row, key) for key in _COPIED}
    values.update({column: getattr(row, field) for column, field in _MEASURES.items()})
    values["level"] = row.level.value
    values["owner_level"] = row.owner_level.value
    values["department_id"] = department.id if department else None
    values["post_id"] = post.id if post else None
    return values


def _changed(
    point: RiskPoint, row: RegisterRow, department: Department | None, post: Post | None
) -> bool:
    return any(
        getattr(point, key) != value for key, value in _target(row, department, post).items()
    )


def _apply(
    point: RiskPoint, row: RegisterRow, department: Department | None, post: Post | None
) -> None:
    for key, value in _target(row, department, post).items():
        setattr(point, key, value)


def registered_rows(session: Session) -> list[RegisterRow]:
    """Return every risk point as a register row (text trimmed as on import), ordered by code."""
    points = session.scalars(
        select(RiskPoint)
        .options(selectinload(RiskPoint.department), selectinload(RiskPoint.post))
        .order_by(RiskPoint.code)
    )
    return [
        RegisterRow(
            line=0,
            code=p.code,
            name=cell_text(p.name),
            category=p.category,
            level=Level(p.level),
            owner_level=OwnerLevel(p.owner_level),
            manifestation=cell_text(p.manifestation),
            department=p.department.code if p.department else None,
            post=p.post.name if p.post else None,
            business_area=cell_text(p.business_area),
            prevention=cell_text(p.measure_prevention),
            monitoring=cell_text(p.measure_monitoring),
            handling=cell_text(p.measure_handling),
            responsible_person=cell_text(p.responsible_person),
            reviewed_on=p.reviewed_on,
        )
        for p in points
    ]


def export_register(session: Session, path: Path) -> int:
    """Write the register to a .xlsx/.csv/.yaml file; return how many risk points."""
    rows = registered_rows(session)
    catalog = load_catalog(session)
    names = Counter(catalog.departments.values())
    labels = {
        code: name if names[name] == 1 else code for code, name in catalog.departments.items()
    }
    write_register(path, rows, labels)
    return len(rows)
