"""Load the demo organisation and risk register into a session; the caller commits."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy.orm import Session

from warning.db.models import Department, Person, Post, Unit
from warning.register.service import ImportSummary, import_register
from warning.yamlfile import load_yaml

DATA = Path(__file__).parent / "data"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitIn(_Strict):
    code: str
    name: str


class DepartmentIn(_Strict):
    code: str
    name: str
    leader: str | None = None  # 分管领导, a name in people
    posts: tuple[str, ...] = ()


class PersonIn(_Strict):
    name: str
    title: str = ""
    email: str = ""
    department: str | None = None
    post: str | None = None


class OrgFile(_Strict):
    """The shape of data/org.yaml: one unit, its departments with posts, its people."""

    unit: UnitIn
    departments: tuple[DepartmentIn, ...]
    people: tuple[PersonIn, ...]

    @model_validator(mode="after")
    def _references(self) -> "OrgFile":
        posts = {d.code: set(d.posts) for d in self.departments}
        names = {p.name for p in self.people}
        for person in self.people:
            if person.department is not None and person.department not in posts:
                raise ValueError(f"{person.name}: 部门“{person.department}”不存在")
            if person.post and person.post not in posts.get(person.department or "", set()):
                raise ValueError(f"{person.name}: 岗位“{person.post}”不在其部门下")
        for department in self.departments:
            if department.leader and department.leader not in names:
                raise ValueError(f"{department.code}: 分管领导“{department.leader}”不在 people 中")
        return self


def read_org(path: Path = DATA / "org.yaml") -> OrgFile:
    """Read and validate the organisation file."""
    return OrgFile.model_validate(load_yaml(path))


def load_org(session: Session, path: Path = DATA / "org.yaml") -> Unit:
    """Create the unit, its departments, posts and people, and each department's leader."""
    org = read_org(path)
    unit = Unit(code=org.unit.code, name=org.unit.name)
    session.add(unit)
    departments: dict[str, Department] = {}
    posts: dict[tuple[str, str], Post] = {}
    for item in org.departments:
        department = Department(unit=unit, code=item.code, name=item.name)
        session.add(department)
        departments[item.code] = department
        for name in item.posts:
            posts[(item.code, name)] = Post(department=department, name=name)
            session.add(posts[(item.code, name)])
    people: dict[str, Person] = {}
    for item in org.people:
        person = Person(
            name=item.name,
            title=item.title,
            email=item.email,
            department=departments[item.department] if item.department else None,
            post=posts.get((item.department or "", item.post or "")),
        )
        session.add(person)
        people[item.name] = person
    session.flush()
    for item in org.departments:
        if item.leader:
            departments[item.code].leader_id = people[item.leader].id
    session.flush()
    return unit


def load_register(session: Session, path: Path = DATA / "register.yaml") -> ImportSummary:
    """Import the demo risk register through the register importer."""
    return import_register(session, path)
