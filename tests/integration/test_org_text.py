"""Every cell of an organisation file is one line of storable text, on both databases.

A NUL in a department name ended `org import` on PostgreSQL in a traceback (its text
cannot hold NUL), and on SQLite a bell, an escape or a line break inside a name was stored
and shown on every page and notice. The admin forms are rows of the same file, so they
are refused the same way.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.cli.org_cmd import org_group
from warning.db.models import Department, Person, Post, Unit
from warning.org.files import OrgFileError
from warning.org.service import import_org_rows
from warning.register.rows import RawRow

FIELDS = ("unit", "department", "post", "person", "title", "email")
CONTROLS = ("\x00", "\x07", "\x1b", "\n", "\t", "\x85", "\ud800")


def _row(field: str, bad: str) -> dict[str, str]:
    values = {"unit_code": "U1", "unit": "测试单位", "department_code": "BGS",
              "department": "办公室", "post": "文秘", "person": "张三", "title": "科员"}
    values[field] = f"a{bad}b@example.cn" if field == "email" else f"甲{bad}乙"
    return values


@pytest.mark.parametrize("bad", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize("field", FIELDS)
def test_a_control_character_in_any_cell_is_refused_naming_the_column(
    session_factory: sessionmaker[Session], field: str, bad: str
) -> None:
    with session_factory() as session, pytest.raises(OrgFileError) as caught:
        import_org_rows(session, [RawRow(2, _row(field, bad))])
    text = [str(p) for p in caught.value.problems]
    header = {"unit": "单位", "department": "部门", "post": "岗位", "person": "人员",
              "title": "职务", "email": "邮箱"}[field]
    assert any(t.startswith(f"第2行: {header}") and "字符" in t for t in text), text
    with session_factory() as session:
        for model in (Unit, Department, Post, Person):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_the_command_refuses_a_nul_without_a_traceback(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    path = tmp_path / "org.csv"
    path.write_text("单位编码,单位,部门编码,部门,岗位,人员\n"
                    "U1,测试单位,BGS,办公\x00室,主任,李\x1b明\n", encoding="utf-8")
    result = CliRunner().invoke(org_group, ["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "org.csv: 第2行: 部门" in result.output
    assert "未导入任何数据" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
