"""An organisation or register .yaml file means what a .csv of the same cells means.

YAML 1.1 read unquoted 0101 as the octal number 65, `on` and `no` as booleans and 1:30 as
90, so a department coded 0101 was imported as 65 and a person named No as False. Every
value of these files is text, as a spreadsheet cell is: read as written.
"""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import Department, Person, RiskPoint
from warning.demo.load import load_org
from warning.org.service import import_org
from warning.register.service import import_register

ORG = """\
- 单位编码: U01
  单位: 测试单位
  部门编码: 0101
  部门: 一科
- 单位编码: U01
  单位: 测试单位
  部门编码: 1E3
  部门: 二科
- 部门编码: 0101
  人员: No
  职务: on
- 部门编码: 1E3
  人员: 1:30
"""

REGISTER = """\
- code: 0042
  name: 采购拆分规避招标
  category: 业务流程
  level: 高
  department: CGZX
  prevention: yes
  reviewed_on: 2024-05-01
"""


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_org_values_are_imported_as_written(
    session_factory: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"org{suffix}"
    path.write_text(ORG, encoding="utf-8")
    with session_factory() as session, session.begin():
        import_org(session, path)
    with session_factory() as session:
        codes = set(session.scalars(select(Department.code)))
        people = {(p.name, p.title) for p in session.scalars(select(Person))}
    assert codes == {"0101", "1E3"}
    assert people == {("No", "on"), ("1:30", "")}


def test_register_values_are_imported_as_written(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory() as session, session.begin():
        load_org(session)
    path = tmp_path / "register.yaml"
    path.write_text(REGISTER, encoding="utf-8")
    with session_factory() as session, session.begin():
        import_register(session, path)
    with session_factory() as session:
        point = session.scalars(select(RiskPoint).where(RiskPoint.name == "采购拆分规避招标")).one()
    assert point.code == "0042" and point.measure_prevention == "yes"
    assert point.reviewed_on is not None and point.reviewed_on.isoformat() == "2024-05-01"
