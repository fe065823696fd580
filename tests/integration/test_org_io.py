"""Organisation import/export on SQLite and PostgreSQL: round trips, errors, all or nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from warning.cli.org_cmd import org_group
from warning.db.models import Department, Person, Post, Unit
from warning.demo.load import load_org
from warning.org.files import OrgFileError
from warning.org.service import export_org, import_org, org_records
from warning.register.service import import_register

HEADER = "单位编码,单位,部门编码,部门,分管领导,岗位,人员,职务,邮箱"


@pytest.fixture
def sessions(session_factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The demo organisation, loaded."""
    with session_factory() as session, session.begin():
        load_org(session)
    yield session_factory


def _records(sessions: sessionmaker[Session]) -> list[dict[str, str]]:
    with sessions() as session:
        return org_records(session)


def _wipe(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        session.execute(update(Department).values(leader_id=None))
        for model in (Person, Post, Department, Unit):
            session.execute(delete(model))


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Unit, Department, Post, Person)
        )


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".yaml"])
def test_export_then_import_into_an_empty_database_round_trips(
    sessions: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    before, counts = _records(sessions), _counts(sessions)
    path = tmp_path / f"org{suffix}"
    with sessions() as session:
        export_org(session, path)
    _wipe(sessions)
    assert _counts(sessions) == (0, 0, 0, 0)
    with sessions() as session, session.begin():
        summary = import_org(session, path)
    assert summary.created["department"] == counts[1]
    assert _records(sessions) == before
    assert _counts(sessions) == counts
    with sessions() as session, session.begin():  # a second import changes nothing
        again = import_org(session, path)
    assert sum(again.created.values()) == sum(again.updated.values()) == 0


def test_leaders_and_posts_survive_the_round_trip(sessions: sessionmaker[Session]) -> None:
    records = _records(sessions)
    cgzx = [r for r in records if r["department_code"] == "CGZX"]
    assert {r["leader"] for r in cgzx} == {"赵国栋"}
    assert any(r.get("post") and not r.get("person") for r in records)  # an unstaffed post


def test_a_bad_file_reports_every_row_in_chinese_and_imports_nothing(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "org.csv"
    path.write_text(
        "\n".join([
            HEADER,
            "U1,测试单位,CGZX,采购中心,李四,采购员,张三,科员,zhangsan@example.cn",
            "U1,测试单位,CGZX,采购部,,,王五,,",
            ",,CWK,,,,,,",
            "U1,测试单位,C W,财务,,,,,",
            "U1,测试单位,BGS,办公室,,文秘,赵六,,not-an-email",
            "U1,测试单位,CGZX,,,,张三,,",
            "U1,测试单位,-,无部门,,,,,",
        ]) + "\n",
        encoding="utf-8",
    )
    with session_factory() as session, pytest.raises(OrgFileError) as caught:
        import_org(session, path)
    text = [str(p) for p in caught.value.problems]
    assert "第3行: 部门编码“CGZX”在第2行名为“采购中心”，此处为“采购部”" in text
    assert "第4行: 部门编码“CWK”是新部门，须填写部门名称" in text
    assert "第5行: 部门编码“C W”只能含字母、数字和 _ - ., 且以字母或数字开头" in text
    # "-" is the subject key's "no department": a department so coded would share its count
    assert "第8行: 部门编码“-”只能含字母、数字和 _ - ., 且以字母或数字开头" in text
    assert "第6行: 邮箱“not-an-email”格式不正确" in text
    assert "第7行: 人员“张三”(部门“CGZX”)与第2行重复" in text
    assert "第2行: 分管领导“李四”不在人员中 (须先列为人员)" in text
    assert _counts(session_factory) == (0, 0, 0, 0)


def test_the_command_prints_errors_with_the_file_and_exits_1(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    bad = tmp_path / "org.csv"
    bad.write_text(HEADER + "\n,,,,,岗位A,,,\n", encoding="utf-8")
    result = CliRunner().invoke(org_group, ["import", str(bad)])
    assert result.exit_code == 1
    assert "org.csv: 第2行: 缺少部门编码 (每行须有部门编码或人员)" in result.output
    assert "未导入任何数据" in result.output
    assert "Traceback" not in result.output


def test_a_register_names_departments_the_org_import_created(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    org = tmp_path / "org.csv"
    org.write_text(
        HEADER + "\nU1,测试单位,CGZX,采购中心,王强,采购员,王强,主任,\n", encoding="utf-8"
    )
    register = tmp_path / "register.csv"
    register.write_text("编号,风险点,风险类别,风险等级,部门,岗位\n"
                        "CG-1,串通投标,业务流程,高,CGZX,采购员\n", encoding="utf-8")
    with session_factory() as session, session.begin():
        import_org(session, org)
        summary = import_register(session, register)
    assert summary.inserted == 1
    with session_factory() as session:
        department = session.scalars(select(Department)).one()
        assert department.leader is not None and department.leader.name == "王强"
