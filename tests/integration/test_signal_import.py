"""`qingfeng signal import`: channel headers, GBK, all or nothing, no duplicates."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from warning.cli.main import cli
from warning.db.models import Notice, RiskWarning, Signal
from warning.runtime import Runtime

HEADER = "编号,问题标题,问题描述,被审计部门,金额\n"
ROWS = (
    "SJ-2026-01,采购拆分,审计发现采购中心将设备采购化整为零拆分实施,采购中心,48000\n"
    "SJ-2026-02,报销不规范,差旅费报销附件不全,财务科,3200\n"
)


@pytest.fixture
def env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(runtime.settings.rules_dir))
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(runtime.settings.channels_dir))
    return runtime


def _count(rt: Runtime, table: type = Signal) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_audit_file_in_gbk_imports_once_with_the_channel_headers(
    env: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "审计发现.csv"
    path.write_bytes((HEADER + ROWS).encode("gbk"))
    first = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit"])
    assert first.exit_code == 0, first.output
    assert "新增 2 条信号" in first.output and "产生 1 条预警" in first.output
    again = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit"])
    assert again.exit_code == 0 and "新增 0 条信号" in again.output
    assert _count(env) == 2


def test_a_bad_last_row_after_chunks_were_staged_imports_nothing(
    env: Runtime, tmp_path: Path,
) -> None:
    good = "".join(f"SJ-2026-{n:03d},采购拆分{n},审计发现问题,采购中心,{10_000 + n}\n"
                   for n in range(40))  # each fires split-purchase (amount >= 10,000)
    path = tmp_path / "late.csv"
    path.write_text(HEADER + good + "SJ-2026-999,,没有标题,财务科,1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit",
                                      "--batch", "3"])
    assert result.exit_code == 1, result.output
    assert f"{path}:42:" in result.output and "未导入任何信号" in result.output
    # nothing half-done: on PostgreSQL the good rows were COPYed and evaluated before line
    # 42 was read, and all of it rolled back
    assert [_count(env, t) for t in (Signal, RiskWarning, Notice)] == [0, 0, 0]
    path.write_text(HEADER + good, encoding="utf-8")  # the same rows, fixed: all stored
    result = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit",
                                      "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "共 40 行: 新增 40 条信号" in result.output and _count(env) == 40
    assert _count(env, RiskWarning) > 0 and _count(env, Notice) > 0  # the rows raise warnings


def test_a_bad_row_imports_nothing_and_names_the_line(env: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ROWS + "SJ-2026-03,,没有标题,财务科,abc\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit"])
    assert result.exit_code == 1
    assert f"{path}:4:" in result.output
    assert _count(env) == 0


@pytest.mark.parametrize(("header", "says"), [
    ("编号,问题标题,问题描述,被审计部门,被审计部门\n", "表头“被审计部门”出现两次（第4列和第5列）"),
    ("编号,问题标题,标题,被审计部门,金额\n", "“问题标题”和“标题”两列都是 title"),
])
def test_a_file_with_two_columns_for_one_field_is_refused_naming_them(
    env: Runtime, tmp_path: Path, header: str, says: str,
) -> None:
    """Before, one of the two columns won in silence: a department or title not the file's."""
    path = tmp_path / "twice.csv"
    path.write_text(header + "SJ-1,采购拆分,审计发现问题,采购中心,财务科\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit"])
    assert result.exit_code == 1 and says in result.output, result.output
    assert "Traceback" not in result.output and _count(env) == 0
    from openpyxl import Workbook

    book = Workbook()
    for line in (header + "SJ-1,采购拆分,审计发现问题,采购中心,财务科\n").splitlines():
        book.active.append(line.split(","))
    book.save(tmp_path / "twice.xlsx")
    result = CliRunner().invoke(cli, ["signal", "import", str(tmp_path / "twice.xlsx"),
                                      "--channel", "audit"])
    assert result.exit_code == 1 and says in result.output, result.output
    assert _count(env) == 0
