"""An operator's mistake (a path, a database address, the key file) ends in one Chinese line."""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from warning.cli.main import cli


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean QINGFENG_ environment naming the migrated test database."""
    for name in list(__import__("os").environ):
        if name.startswith("QINGFENG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    monkeypatch.setenv("QINGFENG_ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _refused(result: Result) -> str:
    """Assert a clean exit 1 (no traceback, no exception escaping) and return the output."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "Error:" not in result.output
    return result.output


@pytest.mark.parametrize("command", [["org", "export"], ["register", "export"],
                                     ["warnings", "export"], ["backup"]])
def test_writing_into_a_missing_directory_names_the_path(env: Path, command: list[str]) -> None:
    target = env / "no-such-dir" / "out.csv"
    output = _refused(CliRunner().invoke(cli, [*command, str(target)]))
    assert "无法读写" in output and "no-such-dir" in output and "不存在" in output
    assert not (env / "no-such-dir").exists()


@pytest.mark.parametrize("command", [["org", "import"], ["register", "import"],
                                     ["signal", "import"], ["restore"]])
def test_a_missing_input_file_is_refused_in_chinese(env: Path, command: list[str]) -> None:
    output = _refused(CliRunner().invoke(cli, [*command, "missing.csv"]))
    assert "文件 missing.csv 不存在" in output
    (env / "folder.csv").mkdir()
    output = _refused(CliRunner().invoke(cli, [*command, "folder.csv"]))
    assert "是一个目录" in output


@pytest.mark.parametrize("command", [["org", "import"], ["register", "import"],
                                     ["signal", "import"], ["restore"]])
def test_a_fifo_or_a_device_is_refused_not_waited_on(env: Path, command: list[str]) -> None:
    # Opening a FIFO blocks until a writer comes, and /dev/zero never ends: both hung.
    __import__("os").mkfifo(env / "pipe.csv")
    output = _refused(CliRunner().invoke(cli, [*command, "pipe.csv"]))
    assert "pipe.csv 不是普通文件" in output
    output = _refused(CliRunner().invoke(cli, [*command, "/dev/zero"]))
    assert "/dev/zero 不是普通文件" in output


def test_a_fifo_named_by_a_setting_is_refused_not_waited_on(env: Path) -> None:
    """The reporter key file, a channel file and the holiday file were read with a plain
    open(): a FIFO among them hung `backup`, `scan` and every command that starts."""
    import os

    os.mkfifo(env / "key.fifo")
    result = CliRunner(env={"QINGFENG_REPORTER_KEY_FILE": str(env / "key.fifo")}).invoke(
        cli, ["backup", "out.backup"])
    assert "key.fifo: 不是普通文件" in _refused(result)
    os.mkfifo(env / "holidays.yaml")
    result = CliRunner(env={"QINGFENG_HOLIDAYS_FILE": str(env / "holidays.yaml")}).invoke(
        cli, ["config"])
    assert "holidays.yaml: 无法读取 (不是普通文件" in _refused(result)
    (env / "channels").mkdir()
    os.mkfifo(env / "channels" / "x.yaml")
    result = CliRunner().invoke(cli, ["rules", "check", "--channels-dir", "channels"])
    assert "x.yaml" in result.output and "不是普通文件" in result.output, result.output
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_an_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    (tmp_path / "org.csv").write_text("部门编码,部门\nBGS,办公室\n", encoding="utf-8")
    output = _refused(CliRunner().invoke(cli, ["org", "import", str(tmp_path / "org.csv")]))
    assert "无法访问数据库 (QINGFENG_DATABASE_URL)" in output and "127.0.0.1" in output


def test_a_missing_reporter_key_file_is_named_and_nothing_is_written(env: Path) -> None:
    result = CliRunner(env={"QINGFENG_REPORTER_KEY_FILE": str(env / "lost.key")}).invoke(
        cli, ["backup", "out.backup"])
    output = _refused(result)
    assert "无法读取 QINGFENG_REPORTER_KEY_FILE 指定的密钥文件" in output
    assert "lost.key: 文件不存在" in output
    assert not (env / "out.backup").exists()


@pytest.mark.parametrize("group", ["org", "register"])
@pytest.mark.parametrize(("name", "content", "says"), [
    ("damaged.xlsx", b"not a zip\x00\xff", "不是有效的 .xlsx 文件"),
    ("utf16.csv", b"\xff\xfe\x00garbage", "文件是 UTF-16 编码"),  # was 无法识别文件编码
    ("mixed.csv", "编码,名称\nA,采购\n".encode() + "B,办公室\n".encode("gbk"),
     "文件混用了两种编码: 第3行是 GBK, 第1行是 UTF-8"),
    ("broken.yaml", b"- a: [b\n", "第2行: YAML 语法错误"),
])
def test_an_unreadable_file_is_named_once_with_the_reason(
    env: Path, group: str, name: str, content: bytes, says: str
) -> None:
    (env / name).write_bytes(content)
    output = _refused(CliRunner().invoke(cli, [group, "import", name]))
    first = output.splitlines()[0]
    assert first.startswith(f"{name}: {says}"), output
    assert first.count(name) == 1  # not "x.xlsx: x.xlsx: 无法读取 (XlsxRefused: x.xlsx: …)"
    assert "Refused" not in output and "FileError" not in output
    assert "未导入任何数据" in output


def test_a_failing_statement_on_a_reachable_database_is_not_called_unreachable(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite raises OperationalError for a statement's own failure too (no such table or
    column, a syntax error): that is a damaged database or a bug, not an address to check,
    and its traceback must not be swallowed into 'database unreachable'."""
    import shutil
    import sqlite3

    path = tmp_path / "damaged.db"
    shutil.copy(sqlite_template, path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE users")
    monkeypatch.setenv("QINGFENG_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["user", "list"])
    assert "无法访问数据库" not in result.output, result.output
    assert "no such table: users" in str(result.exception)


@pytest.mark.parametrize(("missing", "setting"), [("rules", "QINGFENG_RULES_DIR"),
                                                   ("channels", "QINGFENG_CHANNELS_DIR")])
def test_serve_without_its_rules_or_channels_directory_is_refused_before_starting(
    env: Path, missing: str, setting: str
) -> None:
    """Run from another directory, the relative defaults name nothing: one line, not a
    service that stores every signal and evaluates none, nor a traceback from --demo."""
    root = Path(__file__).parents[2]
    present = {"rules": root / "rules", "channels": root / "channels"}
    present[missing] = env / f"no-{missing}"
    runner = CliRunner(env={"QINGFENG_RULES_DIR": str(present["rules"]),
                            "QINGFENG_CHANNELS_DIR": str(present["channels"])})
    output = _refused(runner.invoke(cli, ["serve", "--demo", "--port", "1"]))
    assert f"no-{missing} 不存在" in output and setting in output and "服务未启动" in output


@pytest.mark.parametrize("group", ["org", "register"])
def test_an_xlsx_formula_without_a_result_or_an_error_value_is_named_by_cell(
    env: Path, group: str
) -> None:
    """Read with data_only, the formula was an empty cell and #DIV/0! the text "#DIV/0!"."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["部门编码", "部门"], ["A", "=1/0"], ["B", "#DIV/0!"], ["C", "办公室"]):
        sheet.append(row)
    book.save(env / "book.xlsx")
    output = _refused(CliRunner().invoke(cli, [group, "import", "book.xlsx"]))
    assert "第2行: 单元格 B2: 公式没有保存计算结果" in output, output
    assert "第3行: 单元格 B3: 值为错误 #DIV/0!" in output and "第4行" not in output


@pytest.mark.parametrize("command", [
    ["signal", "export", "{out}.csv"], ["warnings", "export", "{out}.csv"],
    ["org", "export", "{out}.csv"], ["register", "export", "{out}.csv"],
    ["backup", "{out}.backup"], ["review", "2026Q3", "--output", "{out}.xlsx"],
])
def test_an_output_file_that_is_a_fifo_or_a_device_is_refused_not_waited_on(
    env: Path, command: list[str],
) -> None:
    """Opening a FIFO to write blocks until a reader comes: every export, the backup and
    the review written to one hung. (Run as a process, so a hang fails, not blocks.)"""
    import os
    import subprocess
    import sys

    fifo = [arg.format(out="pipe") for arg in command]
    os.mkfifo(env / fifo[-1])
    for argv in (fifo, [*command[:-1], "/dev/null"], [*command[:-1], str(env)]):
        done = subprocess.run([sys.executable, "-m", "warning.cli.main", *argv], cwd=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (argv, done.stdout, done.stderr)
        assert "未做任何操作" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert (env / fifo[-1]).exists()  # the FIFO is left as it was
