"""A signal file is read as written or refused naming the line, the field or the cell.

Each case here was stored wrongly with exit 0: rows swallowed by a quote left open, a
cell past the header, JSON values that are not text, a key given twice, a formula or an
error value in a spreadsheet, a file mixing two encodings.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from tests.support import write_book
from warning.cli.main import cli
from warning.db.models import Signal
from warning.runtime import Runtime

HEADER = "渠道,编号,标题\n"


def _refused(path: Path, rt: Runtime) -> str:
    """Import `path`; assert exit 1, no traceback, nothing stored; return the output."""
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == 0
    return result.output


@pytest.mark.parametrize(("rows", "says"), [
    ('petition,A-1,"来信一\npetition,A-2,来信二\npetition,A-3,来信三\n', ":2: 引号未闭合"),
    ('petition,A-1,来信一\npetition,A-2,"来信"二\n', ":3: 引号后应紧跟逗号"),
    ("petition,A-1,来信一\npetition,A-2,来信二,多余\n", ":3: 第4列“多余”没有表头"),
])
def test_a_csv_row_the_header_cannot_hold_is_refused_naming_the_line(
    env: Runtime, tmp_path: Path, rows: str, says: str  # noqa: F811
) -> None:
    path = tmp_path / "signals.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    assert f"{path}{says}" in _refused(path, env)


def test_jsonl_values_that_are_not_text_and_keys_given_twice_are_named(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    good = '{"channel": "petition", "external_id": "J-0", "title": "来信"}'
    lines = {
        2: ('{"channel": "petition", "external_id": "J-1", "title": {"a": 1}}',
            "title: 应为文本, 不能是 对象"),
        3: ('{"channel": "petition", "external_id": "J-2", "title": "t", "person": ["张三"]}',
            "person: 应为文本, 不能是 数组"),
        4: ('{"channel": "petition", "external_id": "J-3", "title": "t", "post": true}',
            "post: 应为文本, 不能是 true"),
        5: ('{"channel": "petition", "external_id": false, "title": "t"}',
            "external_id: 应为文本, 不能是 false"),
        6: ('{"channel": "petition", "external_id": "J-5", "title": "一", "title": "二"}',
            "键“title”出现两次"),
        7: ('{"channel": "petition", "external_id": "J-6", "title": NaN}',  # stored as "nan"
            "不是合法的 UTF-8 JSON: NaN 不是 JSON 的值"),
        8: ('{"channel": "petition", "external_id": "J-7", "title": "t", "amount": '
            + "9" * 5000 + "}", "数字超过 4300 位, 无法读取"),  # valid JSON: not "not JSON"
        9: ("[" * 100_000 + "]" * 100_000, "JSON 嵌套层数过多, 无法读取"),
    }
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join([good, *(text for text, _ in lines.values())]) + "\n",
                    encoding="utf-8")
    output = _refused(path, env)
    for line, (_, says) in lines.items():
        assert f"{path}:{line}: {says}" in output, output
    assert f"{path}:1:" not in output


def test_xlsx_formulas_without_a_result_and_error_values_are_refused_naming_the_cell(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = write_book(tmp_path / "signals.xlsx", [
        ["渠道", "编号", "标题", "金额"],
        ["petition", "X-1", "来信1", 10],
        ["petition", "X-2", "来信2", "=A1/0"],  # openpyxl saves no result: read as empty
        ["petition", "X-3", "#REF!", 10],  # an error value: stored as the text "#REF!"
        ["petition", "X-4", "来信4", "=SUM(D2:D3)"],
    ])
    output = _refused(path, env)
    assert f"{path}:3: 单元格 D3: 公式没有保存计算结果" in output, output
    assert f"{path}:4: 单元格 C4: 值为错误 #REF!" in output, output
    assert f"{path}:5: 单元格 D5: 公式没有保存计算结果" in output, output
    assert f"{path}:2:" not in output


def test_an_xlsx_department_merged_down_its_rows_reaches_every_row(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = write_book(tmp_path / "signals.xlsx", [
        ["渠道", "编号", "标题", "部门"],
        *(["petition", f"M-{n}", f"来信{n}", "CGZX" if n == 1 else None] for n in (1, 2, 3)),
        ["petition", "M-4", "来信4", None],
    ], merged=("D2:D4",))
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 0, result.output
    with env.sessions() as session:
        departments = dict(session.execute(
            select(Signal.external_id, Signal.department_id)).all())
    assert departments["M-1"] is not None
    assert departments["M-1"] == departments["M-2"] == departments["M-3"]
    assert departments["M-4"] is None


def test_a_csv_mixing_gbk_and_utf8_rows_is_refused_naming_a_line_of_each(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    """Decoded as GB18030 whole, the UTF-8 row's 来信 was stored as 鏉ヤ俊, exit 0."""
    path = tmp_path / "signals.csv"
    path.write_bytes(b"channel,external_id,title\n" + "petition,A-1,来信\n".encode()
                     + "petition,A-2,来信二\n".encode("gbk"))
    assert f"{path}: 文件混用了两种编码: 第3行是 GBK, 第2行是 UTF-8" in _refused(path, env)
