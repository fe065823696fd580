"""A file with nothing in it is refused naming the file; a header with no rows is told.

A 0-byte signal file, or one of blank lines only, was imported as 0 signals with exit 0,
as was a file whose header was missing (its first row read as titles); an empty register
or organisation YAML file was imported as nothing with exit 0.
"""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.domain.calendar import CalendarError
from warning.handling.holidays import load_calendar
from warning.runtime import Runtime

EMPTY = "文件是空的 (0 字节)"
BLANK = "文件中只有空行或空白"


def _xlsx(path: Path, rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path.read_bytes()


def _cases(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """File name -> (content, what the refusal says after the path)."""
    return {
        "zero.csv": (b"", EMPTY),
        "zero.jsonl": (b"", EMPTY),
        "zero.xlsx": (b"", EMPTY),
        "blank.csv": (b"\r\n\n  \n", BLANK),
        "bom.csv": (b"\xef\xbb\xbf\n", BLANK),
        "blank.jsonl": (b"\n \n", BLANK),
        "noheader.csv": ("petition,A-1,来信\n".encode(),
                         "第1行不是表头: 没有一列是已知的列名 (读到 “petition”"),
        "noheader.xlsx": (_xlsx(tmp_path / "x.xlsx", [["petition", "A-1", "来信"]]),
                          "第1行不是表头"),
    }


def test_a_signal_file_with_nothing_or_no_header_is_refused_naming_it(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    for name, (content, says) in _cases(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(content)
        result = CliRunner().invoke(cli, ["signal", "import", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert "Traceback" not in result.output
        assert f"{path}: {says}" in result.output, (name, result.output)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_signal_file_with_a_header_and_no_rows_imports_nothing_and_says_so(
    env: Runtime, tmp_path: Path, suffix: str  # noqa: F811
) -> None:
    path = tmp_path / f"this-week{suffix}"
    if suffix == ".csv":
        path.write_text("渠道,编号,标题\r\n\r\n", encoding="utf-8-sig")
    else:
        _xlsx(path, [["渠道", "编号", "标题"]])
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: 文件中没有信号行, 未导入任何信号" in result.output
    assert "新增 0 条信号" in result.output


def test_register_and_org_files_with_nothing_are_refused_and_a_bare_header_is_told(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    runner = CliRunner()
    refused = {"zero.csv": (b"", EMPTY), "zero.yaml": (b"", EMPTY),
               "blank.yaml": (b"\n  \n", BLANK),
               "comments.yaml": ("# 本周无\n".encode(), "文件中没有内容 (只有空行或注释)")}
    for command in ("register", "org"):
        for name, (content, says) in refused.items():
            path = tmp_path / name
            path.write_bytes(content)
            result = runner.invoke(cli, [command, "import", str(path)])
            assert result.exit_code == 1, (command, name, result.output)
            assert f"{name}: {says}" in result.output, (command, name, result.output)
    headers = {"register": ("编号,风险点,风险类别,风险等级\n", "风险点"),
               "org": ("单位编码,单位,部门编码,部门\n", "组织数据")}
    for command, (header, noun) in headers.items():
        path = tmp_path / f"{command}.csv"
        path.write_text(header, encoding="utf-8")
        result = runner.invoke(cli, [command, "import", str(path)])
        assert result.exit_code == 0, result.output
        assert f"{path}: 文件中没有{noun}行" in result.output, result.output


def test_a_holiday_file_with_nothing_is_refused_naming_it(tmp_path: Path) -> None:
    for content, says in ((b"", EMPTY), (b"# 2027\n", "文件中没有内容")):
        path = tmp_path / "holidays.yaml"
        path.write_bytes(content)
        with pytest.raises(CalendarError, match=re.escape(f"{path}: {says}")):
            load_calendar(path)
