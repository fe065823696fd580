"""A date cell whose serial is no date Excel shows is refused naming the cell.

openpyxl reads a date serial past 9999-12-31 as the text "#VALUE!" (with an English warning
on stderr) and one below 1 as a day in 1899 or a bare time: a signal row failed as
`occurred_at: 日期“#VALUE!”无法识别` with no cell named; the register stored 1899-12-29.
"""

import re
import zipfile
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.runtime import Runtime

SERIALS = ("99999999", "-1", "0", "46025")  # past 9999, 1899-12-29, midnight, 2026-01-03


def _book(path: Path, header: list[str], row: list[object], column: str) -> Path:
    """Write one row per serial with a date in `column`, then set each date's serial."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for n, _ in enumerate(SERIALS, start=1):
        sheet.append([f"{cell}{n}" if isinstance(cell, str) and cell.endswith("-") else cell
                      for cell in row])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for number, serial in enumerate(SERIALS, start=2):
        xml = re.sub(rf'(<c r="{column}{number}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{serial}\g<2>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _says(output: str, column: str) -> None:
    assert f"单元格 {column}2: 日期超出范围 (读作 #VALUE!" in output, output
    assert f"单元格 {column}3: 日期 1899-12-29 早于 1900-01-01" in output
    assert f"单元格 {column}4: 只有时刻 00:00:00, 没有日期" in output
    assert f"单元格 {column}5" not in output and "Traceback" not in output


def test_signal_date_cells_out_of_range_are_named_by_cell(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = _book(tmp_path / "signals.xlsx", ["渠道", "编号", "标题", "发生时间"],
                 ["petition", "D-", "来信", datetime(2026, 1, 2)], "D")
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 1
    _says(result.output, "D")
    assert f"{path}:3: 单元格 D3" in result.output
    assert "3 行有错误" in result.output


def test_register_date_cells_out_of_range_are_named_by_cell(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = _book(tmp_path / "register.xlsx", ["编号", "风险点", "风险类别", "风险等级", "复核日期"],
                 ["R-", "公车私用", "业务流程", "低", datetime(2026, 1, 2)], "E")
    result = CliRunner().invoke(cli, ["register", "import", str(path)])
    assert result.exit_code == 1
    _says(result.output, "E")
    assert "register.xlsx: 第3行: 单元格 E3" in result.output
    assert "共 3 处错误" in result.output
