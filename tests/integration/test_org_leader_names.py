"""A supervising leader who shares a name with another person can be named, imported and
exported.

The 分管领导 column holds a name only. Where two people of the unit share that name (two
王伟 in two departments is common), `org import` refused the file with 有多个同名人员 and
no way to say which one was meant; and once the admin page had added such a namesake,
`org export` wrote a file that `org import` refused, so export → import no longer round
tripped. The column now also takes 姓名(部门编码), and the export writes that form where a
plain name would be ambiguous.
"""

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import Department, Person, Post, Unit
from warning.org.files import OrgFileError
from warning.org.service import export_org, import_org

HEADER = "单位编码,单位,部门编码,部门,分管领导,岗位,人员\n"
ROWS = (
    "U1,测试单位,GSLD,公司领导,陈一,副总经理,王伟\n"
    "U1,测试单位,GSLD,公司领导,陈一,董事长,陈一\n"
    "U1,测试单位,CGZX,采购中心,{leader},采购员,王伟\n"
)


def _import(sessions: sessionmaker[Session], path: Path, leader: str) -> None:
    path.write_text(HEADER + ROWS.format(leader=leader), encoding="utf-8")
    with sessions() as session, session.begin():
        import_org(session, path)


def _leader_of(sessions: sessionmaker[Session], code: str) -> tuple[str, str]:
    with sessions() as session:
        department = session.scalars(select(Department).where(Department.code == code)).one()
        leader = department.leader
        assert leader is not None and leader.department is not None
        return leader.name, leader.department.code


@pytest.mark.parametrize("written", ["王伟(GSLD)", "王伟（GSLD）", "王伟 (GSLD)"])
def test_a_leader_named_with_a_department_code_is_that_person(
    session_factory: sessionmaker[Session], tmp_path: Path, written: str
) -> None:
    _import(session_factory, tmp_path / "org.csv", written)
    assert _leader_of(session_factory, "CGZX") == ("王伟", "GSLD")


def test_an_ambiguous_leader_says_how_to_name_one(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with pytest.raises(OrgFileError) as caught:
        _import(session_factory, tmp_path / "org.csv", "王伟")
    text = [str(p) for p in caught.value.problems]
    assert len(text) == 1 and "有多个同名人员" in text[0] and "王伟(GSLD)" in text[0], text


def test_a_leader_named_in_a_department_without_them_is_refused(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with pytest.raises(OrgFileError) as caught:
        _import(session_factory, tmp_path / "org.csv", "陈一(CGZX)")
    assert [str(p) for p in caught.value.problems] == [
        "第4行: 分管领导“陈一(CGZX)”不是部门“CGZX”的人员"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".yaml"])
def test_export_then_import_keeps_a_leader_who_has_a_namesake(
    session_factory: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    _import(session_factory, tmp_path / "org.csv", "王伟(GSLD)")
    exported = tmp_path / f"out{suffix}"
    with session_factory() as session:
        export_org(session, exported)
    with session_factory() as session, session.begin():
        session.execute(update(Department).values(leader_id=None))
        for model in (Person, Post, Department, Unit):
            session.execute(delete(model))
    with session_factory() as session, session.begin():
        import_org(session, exported)
    assert _leader_of(session_factory, "CGZX") == ("王伟", "GSLD")
    assert _leader_of(session_factory, "GSLD") == ("陈一", "GSLD")
