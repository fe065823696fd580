"""A cell merged down several rows of an .xlsx holds its value on each of those rows.

Forms filled in by hand merge a department's cells down the rows of its people (and a
register's 部门 or 风险类别 down its risk points). openpyxl gives the value to the first
row only, so `org import` took the people of the later rows as people without a
department, exit 0, and the register lost those rows' department.
"""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support import write_book
from warning.db.models import Department, Person, RiskPoint
from warning.demo.load import load_org
from warning.org.service import import_org
from warning.register.service import import_register


def test_people_under_a_merged_department_belong_to_it(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_book(tmp_path / "org.xlsx", [
        ["《单位组织表》", None, None, None, None],
        ["单位编码", "单位", "部门编码", "部门", "人员"],
        ["U1", "测试单位", "CGZX", "采购中心", "钱一"],
        [None, None, None, None, "杨二"],
        [None, None, None, None, "徐三"],
    ], ["A1:E1", "A3:A5", "B3:B5", "C3:C5", "D3:D5"])
    with session_factory() as session, session.begin():
        import_org(session, path)
    with session_factory() as session:
        people = {p.name: p.department.code if p.department else None
                  for p in session.scalars(select(Person))}
        assert people == {"钱一": "CGZX", "杨二": "CGZX", "徐三": "CGZX"}
        assert len(list(session.scalars(select(Department)))) == 1


def test_risk_points_under_merged_cells_get_their_values(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory() as session, session.begin():
        load_org(session)
    path = write_book(tmp_path / "register.xlsx", [
        ["编号", "风险点", "风险类别", "风险等级", "部门"],
        ["CG-1", "拆分采购", "业务流程", "高", "CGZX"],
        ["CG-2", "串通投标", None, "中", None],
    ], ["C2:C3", "E2:E3"])
    with session_factory() as session, session.begin():
        import_register(session, path)
    with session_factory() as session:
        points = {p.code: (p.category, p.department.code if p.department else None)
                  for p in session.scalars(select(RiskPoint))}
    assert points["CG-2"] == points["CG-1"] and points["CG-1"][1] == "CGZX"
