"""A .csv organisation or register file that the csv module cannot read is named, not a
traceback, and a quote left open does not swallow the rest of the file.

A cell over 128 KB ended `org import` and `register import` in `_csv.Error: field larger
than field limit`. A quote opened and never closed read every later line into that one
cell: `"办公室,,主任,李明` and all that followed became one department's name.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.cli.main import cli
from warning.db.models import Department, RiskPoint

ORG = "单位编码,单位,部门编码,部门,岗位,人员\n"
REGISTER = "编号,风险点,风险类别,风险等级\n"


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


CASES = {
    "huge-cell": ("U1,测试单位,BGS,{}\n".format("办" * 200_000), "第2行", "超过"),
    "open-quote": ('U1,测试单位,BGS,"办公室,主任,李明\nU1,测试单位,CWK,财务科,会计,王五\n',
                   "第2行", "引号"),
    "stray-quote": ('U1,测试单位,BGS,"办公室"x,主任,李明\n', "第2行", "引号"),
}
REGISTER_CASES = {
    "huge-cell": ("CG-1,{},业务流程,高\n".format("拆" * 200_000), "第2行", "超过"),
    "open-quote": ('CG-1,"采购拆分,业务流程,高\nCG-2,串标,业务流程,高\n', "第2行", "引号"),
}


@pytest.mark.parametrize("case", CASES)
def test_an_org_csv_the_csv_module_refuses_is_named(
    env: Path, session_factory: sessionmaker[Session], case: str
) -> None:
    body, line, word = CASES[case]
    (env / "org.csv").write_text(ORG + body, encoding="utf-8")
    result = CliRunner().invoke(cli, ["org", "import", "org.csv"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"org.csv: {line}: " in result.output and word in result.output, result.output
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == 0


@pytest.mark.parametrize("case", REGISTER_CASES)
def test_a_register_csv_the_csv_module_refuses_is_named(
    env: Path, session_factory: sessionmaker[Session], case: str
) -> None:
    body, line, word = REGISTER_CASES[case]
    (env / "register.csv").write_text(REGISTER + body, encoding="utf-8")
    result = CliRunner().invoke(cli, ["register", "import", "register.csv"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert line in result.output and word in result.output, result.output
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RiskPoint)) == 0


SHIFTED = {
    # a comma in an unquoted post shifts the row: 党委书记 | 董事长 | 陈志远 under 人员 ...
    "org": ("org.csv", ORG + "U1,测试单位,GSLD,公司领导,党委书记,董事长,陈志远\n", "第7列"),
    "register": ("register.csv", REGISTER + "CG-1,采购拆分,业务流程,高,多出的说明\n", "第5列"),
}


@pytest.mark.parametrize("kind", SHIFTED)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_cell_under_no_header_is_refused_not_dropped(
    env: Path, session_factory: sessionmaker[Session], kind: str, suffix: str
) -> None:
    name, body, column = SHIFTED[kind]
    path = env / name
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in body.splitlines():
            sheet.append(line.split(","))
        path = path.with_suffix(".xlsx")
        book.save(path)
    else:
        path.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(cli, [kind, "import", path.name])
    assert result.exit_code == 1, result.output
    assert f"第2行: {column}" in result.output and "没有表头" in result.output, result.output
    with session_factory() as session:
        for model in (Department, RiskPoint):
            assert session.scalar(select(func.count()).select_from(model)) == 0
