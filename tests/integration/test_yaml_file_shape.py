"""A .yaml organisation, register or channel file says each thing once, as plain text.

The data-file loader kept the last of two equal keys in silence (the rule loader refuses
them), read a mapping or a list given as a value into its Python repr ("{'a': '1'}" became
a department's name), and an organisation row naming one column twice (部门编码 and
department_code) kept one of the two. A .csv with two such columns was already refused.
"""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.channels.loader import check_channels
from warning.db.models import Department, RiskPoint
from warning.demo.load import load_org
from warning.org.files import OrgFileError
from warning.org.service import import_org
from warning.register.files import RegisterError
from warning.register.service import import_register

ORG_HEAD = "- 单位编码: U1\n  单位: 测试单位\n"
REGISTER_HEAD = "- code: CG-9\n  category: 业务流程\n  level: 高\n  department: CGZX\n"


def _org_problems(session_factory: sessionmaker[Session], path: Path, body: str) -> list[str]:
    path.write_text(body, encoding="utf-8")
    with session_factory() as session, pytest.raises(OrgFileError) as caught:
        import_org(session, path)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == 0
    return [str(p) for p in caught.value.problems]


def _register_problems(session_factory: sessionmaker[Session], path: Path, body: str
                       ) -> list[str]:
    with session_factory() as session, session.begin():
        load_org(session)
    path.write_text(body, encoding="utf-8")
    with session_factory() as session, pytest.raises(RegisterError) as caught:
        import_register(session, path)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RiskPoint)) == 0
    return [str(p) for p in caught.value.problems]


def test_an_org_key_written_twice_is_refused_at_its_line(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    body = ORG_HEAD + "  部门编码: BGS\n  部门: 办公室\n  部门: 财务科\n"
    problems = _org_problems(session_factory, tmp_path / "org.yaml", body)
    assert len(problems) == 1 and problems[0].startswith("第5行: ") and "部门" in problems[0]
    assert "重复" in problems[0]


def test_an_org_column_named_twice_in_two_languages_is_refused(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    body = ORG_HEAD + "  部门编码: BGS\n  department_code: CWK\n  部门: 办公室\n"
    problems = _org_problems(session_factory, tmp_path / "org.yaml", body)
    assert problems == ["第4行: “department_code”与“部门编码”重复 (同一列)"]


@pytest.mark.parametrize("value", ["{a: 1}", "[甲, 乙]", "\n    - 甲"])
def test_an_org_value_that_is_not_text_is_refused(
    session_factory: sessionmaker[Session], tmp_path: Path, value: str
) -> None:
    body = ORG_HEAD + f"  部门编码: BGS\n  部门: {value}\n"
    problems = _org_problems(session_factory, tmp_path / "org.yaml", body)
    assert problems == ["第4行: “部门”须是文字, 不能是列表或映射"]


def test_a_register_key_written_twice_is_refused(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    body = REGISTER_HEAD + "  name: 甲\n  name: 乙\n"
    problems = _register_problems(session_factory, tmp_path / "register.yaml", body)
    assert len(problems) == 1 and problems[0].startswith("第6行: ") and "name" in problems[0]


def test_a_register_value_that_is_not_text_is_refused(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    body = REGISTER_HEAD + "  name: {a: b}\n"
    problems = _register_problems(session_factory, tmp_path / "register.yaml", body)
    assert problems == ["第5行: “name”须是文字, 不能是列表或映射"]


def test_a_channel_key_written_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "audit.yaml").write_text(
        "id: audit\nname: 审计\nkind: file\nname: 内审\n", encoding="utf-8")
    channels, problems = check_channels(tmp_path)
    assert channels == []
    assert [(p.line, "重复" in p.message) for p in problems] == [(4, True)]
