"""Register import/export against SQLite and PostgreSQL: round-trips, errors, all-or-nothing."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.cli.register_cmd import register_group
from warning.db.models import Department, Post, RiskPoint
from warning.demo.load import load_org, load_register
from warning.org.service import export_org
from warning.register.files import RegisterError
from warning.register.service import export_register, import_register

HEADER = "编号,风险点,风险类别,风险等级,部门,岗位,防控措施,复核日期"


@pytest.fixture
def sessions(session_factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The demo organisation and register, loaded."""
    with session_factory() as session, session.begin():
        load_org(session)
        load_register(session)
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-003")).one()
        point.measure_monitoring = "第一条：按月汇总采购金额\n第二条：比对同一供应商\n"
    yield session_factory


def _export(sessions: sessionmaker[Session], path: Path) -> None:
    with sessions() as session:
        export_register(session, path)


def _import(sessions: sessionmaker[Session], path: Path) -> str:
    with sessions() as session, session.begin():
        return str(import_register(session, path))


def _cells(path: Path) -> list[tuple[object, ...]]:
    book = load_workbook(path)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(RiskPoint)) or 0


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".yaml"])
def test_export_import_export_is_exact(
    sessions: sessionmaker[Session], tmp_path: Path, suffix: str
) -> None:
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    _export(sessions, first)
    with sessions() as session, session.begin():
        session.execute(delete(RiskPoint))
    assert _import(sessions, first).startswith("新增 50 条")
    _export(sessions, second)
    if suffix == ".xlsx":
        assert _cells(first) == _cells(second)
        assert _cells(first)[0][:4] == ("编号", "风险点", "风险表现形式", "风险类别")
    else:
        assert first.read_bytes() == second.read_bytes()
    assert _import(sessions, second) == "新增 0 条, 更新 0 条, 未变 50 条"


def test_gbk_csv_with_a_title_row_upserts_and_creates_posts(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "gbk.csv"
    lines = [
        "《部门廉洁风险点识别及防控措施表》,,,,,,,",
        HEADER.replace("岗位", " 岗 位 ").replace("风险等级", "风险等级（高/中/低）"),
        "CG-003,化整为零规避招标（修订）,制度机制,一级,采购中心,,合并采购计划,2026年10月8日",
        "CG-099,供应商评价打人情分,外部环境,一般,CGZX,供应商管理员,评价结果公示,2026/10/8",
    ]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    summary = _import(sessions, path)
    assert summary == "新增 1 条, 更新 1 条, 未变 0 条; 新建岗位 1 个: 采购中心/供应商管理员"
    with sessions() as session:
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-099")).one()
        assert point.level == "medium" and point.post is not None
        assert point.post.name == "供应商管理员" and point.measure_prevention == "评价结果公示"
        assert str(point.reviewed_on) == "2026-10-08"
        updated = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-003")).one()
        assert updated.name == "化整为零规避招标（修订）" and updated.level == "high"


def test_each_row_error_is_reported_with_its_line_and_nothing_is_imported(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    rows = [
        HEADER,
        "CG-003,改了名字,制度机制,高,采购中心,,,",
        "NEW-001,新风险点,业务流程,中,财务科,,,",
        "NEW-002,等级写错,业务流程,很高,财务科,,,",
        "NEW-003,部门写错,业务流程,低,后勤科,,,",
        "NEW-001,重复编号,业务流程,中,财务科,,,",
        "NEW-004,类别写错,廉洁文化,中,,,,2026-13-01",
    ]
    path.write_text("\n".join(rows), encoding="utf-8-sig")
    before = _count(sessions)
    with pytest.raises(RegisterError) as caught:
        _import(sessions, path)
    assert [str(p) for p in caught.value.problems] == [
        "第4行: 风险等级“很高”不是 高/中/低",
        "第5行: 部门“后勤科”不存在",
        "第6行: 编号“NEW-001”与第3行重复",
        "第7行: 风险类别“廉洁文化”不在类别表中 (思想道德/岗位职责/业务流程/制度机制/外部环境)",
        "第7行: 复核日期“2026-13-01”不是有效日期 (如 2024-05-01)",
    ]
    assert _count(sessions) == before
    with sessions() as session:
        point = session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-003")).one()
        assert point.name == "化整为零规避招标"


def test_xlsx_with_a_title_row_a_named_sheet_and_excel_dates(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from datetime import datetime

    book = Workbook()
    assert book.active is not None
    book.active.title = "说明"
    sheet = book.create_sheet("风险点清单")
    sheet.append(["《个人（岗位）廉洁风险点识别及防控措施表》"])
    sheet.merge_cells("A1:F1")
    sheet.append(["编号", "风险点", "风险类别", "风险等级", "部门", "复核日期"])
    sheet.append(
        ["HQ-009", "食堂虚报就餐人数", "业务流程", "低", "后勤保障科", datetime(2026, 9, 1)]
    )
    sheet.append([None] * 6)
    sheet.append(["HQ-010", "物业费虚高", "业务流程", "三级", "HQK", 46266])
    path = tmp_path / "title.xlsx"
    book.save(path)
    assert _import(sessions, path) == "新增 2 条, 更新 0 条, 未变 0 条"
    with sessions() as session:
        dates = session.scalars(
            select(RiskPoint.reviewed_on).where(RiskPoint.code.in_(["HQ-009", "HQ-010"]))
        ).all()
        assert sorted(str(d) for d in dates) == ["2026-09-01", "2026-09-01"]


def test_xlsx_errors_use_sheet_row_numbers(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["风险点清单"])
    sheet.append(["编号", "风险点", "风险类别", "风险等级"])
    sheet.append(["A-1", "x", "业务流程", "中"])
    sheet.append(["A-2", "y", "业务流程", "极高"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(RegisterError) as caught:
        _import(sessions, path)
    assert [str(p) for p in caught.value.problems] == ["第4行: 风险等级“极高”不是 高/中/低"]


def test_yaml_unknown_keys_are_named(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "- code: A-1\n  name: x\n  category: 业务流程\n  level: low\n"
        "- code: A-2\n  name: y\n  category: 业务流程\n  level: low\n  remark: 无\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterError) as caught:
        _import(sessions, path)
    assert [str(p) for p in caught.value.problems] == ["第5行: 未知字段“remark”"]


def test_cli_imports_and_exports(
    sessions: sessionmaker[Session], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    runner = CliRunner()
    out = tmp_path / "out.csv"
    result = runner.invoke(register_group, ["export", str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出 50 个风险点" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\nX-1,x,业务流程,很高,,,,\nX-2,y,业务流程,低,后勤科,,,\n", encoding="utf-8"
    )
    result = runner.invoke(register_group, ["import", str(bad)])
    assert result.exit_code == 1
    assert "第2行: 风险等级“很高”不是 高/中/低" in result.output
    assert "第3行: 部门“后勤科”不存在" in result.output
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\nX-1,x,业务流程,高,,,,\n", encoding="utf-8")
    result = runner.invoke(register_group, ["import", "--dry-run", str(good)])
    assert result.exit_code == 0 and "校验通过" in result.output
    assert _count(sessions) == 50
    result = runner.invoke(register_group, ["import", str(good)])
    assert result.exit_code == 0 and "新增 1 条" in result.output
    assert _count(sessions) == 51


def test_demo_register_creates_no_posts(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, session.begin():
        load_org(session)
        posts = session.scalar(select(func.count()).select_from(Post))
        summary = load_register(session)
        assert summary.new_posts == () and summary.inserted == 50
        assert session.scalar(select(func.count()).select_from(Post)) == posts


FORMULAS = {"CG-001": '=HYPERLINK("http://x","点我")', "CG-002": "+1", "CG-003": "'@已加引号",
            "CG-005": '＝HYPERLINK("http://x","点我")', "CG-006": "＠SUM(A1)", "CG-007": "－1"}
FORMULA_CHARS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_formula_like_names_export_as_text_and_round_trip(
    sessions: sessionmaker[Session], db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, suffix: str,
) -> None:
    with sessions() as session, session.begin():
        for code, name in FORMULAS.items():
            session.scalars(select(RiskPoint).where(RiskPoint.code == code)).one().name = name
        session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-004")).one() \
            .measure_prevention = "-分段审批\n-双人复核"
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    runner = CliRunner()
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    assert runner.invoke(register_group, ["export", str(first)]).exit_code == 0
    if suffix == ".xlsx":
        sheet = load_workbook(first).worksheets[0]
        cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
        for code, name in FORMULAS.items():
            assert cells[code].data_type == "s" and cells[code].value == name
    else:
        rows = list(csv.reader(io.StringIO(first.read_text("utf-8-sig"), newline="")))
        names = {row[0]: row[1] for row in rows[1:]}
        assert names == names | {code: "'" + name for code, name in FORMULAS.items()}
        assert not any(cell.lstrip().startswith(FORMULA_CHARS) for row in rows for cell in row)
    before = _texts(sessions)
    with sessions() as session, session.begin():
        session.execute(delete(RiskPoint))
    result = runner.invoke(register_group, ["import", str(first)])
    assert result.exit_code == 0, result.output
    assert _texts(sessions) == before
    assert runner.invoke(register_group, ["export", str(second)]).exit_code == 0
    if suffix == ".xlsx":
        assert _cells(first) == _cells(second)
    else:
        assert first.read_bytes() == second.read_bytes()


def _texts(sessions: sessionmaker[Session]) -> dict[str, tuple[str, str]]:
    with sessions() as session:
        points = session.scalars(select(RiskPoint))
        return {p.code: (p.name, p.measure_prevention) for p in points}


CONTROL_TEXTS = ["前\x01后", "制\x0b表", "换\x1f页", "\x08退格"]


def test_a_control_character_spoils_only_its_own_cell_in_register_and_org_xlsx(
    sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    """openpyxl refuses the characters XML 1.0 forbids (only NUL is refused at intake):
    one such name failed the whole register or organisation export (a 500 on the page)."""
    codes = ["CG-001", "CG-002", "CG-003", "CG-004"]
    with sessions() as session, session.begin():
        for code, text in zip(codes, CONTROL_TEXTS, strict=True):
            session.scalars(select(RiskPoint).where(RiskPoint.code == code)).one().name = text
        session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-005")).one() \
            .measure_prevention = "长" * 40_000 + "😀"
        session.scalars(select(Department).order_by(Department.id)).first().name = "财务\x0c科"
    register, org = tmp_path / "register.xlsx", tmp_path / "org.xlsx"
    _export(sessions, register)
    with sessions() as session:
        export_org(session, org)
    header, *rows = _cells(register)
    names = {row[0]: row[1] for row in rows}
    assert [names[code] for code in codes] == ["前后", "制表", "换页", "退格"]
    long = next(row for row in rows if row[0] == "CG-005")[header.index("前期预防措施")]
    assert str(long).startswith("长" * 1000)  # Excel holds 32,767 characters a cell
    assert any("财务科" in row for row in _cells(org))
    assert _import(sessions, register).startswith("新增 0 条")  # the file reads back
