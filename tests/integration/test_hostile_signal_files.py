"""Signal files as other tools and hostile hands write them: read as meant, or refused by name.

Headers in English of any case, full width, with hints such as 金额(元), and a 序号 column
were unknown columns, refused row by row as the first field pydantic named (a file with
an 編號 column was told "external_id: 缺少必填字段"); the column itself was never named.
"""

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.db.models import Signal
from warning.runtime import Runtime


def _import(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _titles(rt: Runtime) -> dict[str, str]:
    with rt.sessions() as session:
        return dict(session.execute(select(Signal.external_id, Signal.title)).tuples().all())


def test_headers_in_english_of_any_case_full_width_or_with_hints_are_read(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = tmp_path / "english.csv"
    path.write_text("序号,Channel,External ID,TITLE,金额（元）,ｐｅｒｓｏｎ\n"
                    "1,petition,E-1,来信,\"１，２００\",张三\n", encoding="utf-8")
    code, output = _import(path)
    assert code == 0, output
    assert _titles(env) == {"E-1": "来信"}


def test_register_and_org_headers_in_english_of_any_case_are_read(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    register = tmp_path / "register.csv"
    register.write_text("CODE,Name,Category,LEVEL\nX-1,公车私用,业务流程,高\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["register", "import", str(register)])
    assert result.exit_code == 0 and "新增 1 条" in result.output, result.output
    org = tmp_path / "org.csv"
    org.write_text("Unit_Code,UNIT,Department Code,department\nU1,测试单位,CGZX,采购中心\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["org", "import", str(org)])
    assert result.exit_code == 0, result.output


def test_a_header_column_no_title_names_is_refused_naming_it(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = tmp_path / "traditional.csv"
    path.write_text("渠道,編號,標題\npetition,T-1,來信\n", encoding="utf-8")
    code, output = _import(path)
    assert code == 1
    assert f"{path}: 第1行表头有未知的列 “編號”、“標題” (可用的列: 渠道、编号、标题" in output


def test_two_columns_for_one_field_are_refused_once_naming_both(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    """Each of 1,000 rows was refused with the same sentence: 1,000 lines for one mistake."""
    path = tmp_path / "twice.csv"
    path.write_text("渠道,编号,标题,Title\n" + "petition,D-1,来信,来信\n" * 1000, encoding="utf-8")
    code, output = _import(path)
    assert code == 1
    assert f"{path}: 第1行表头“标题”和“Title”两列都是 title，请只保留一列（第3列和第4列）" in output
    assert output.count("两列都是") == 1


def test_a_file_of_another_kind_than_its_suffix_is_named_for_what_it_is(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    """Each was "无法识别编码", or one bad JSON line per line of zip bytes."""
    from openpyxl import Workbook

    book = tmp_path / "book.xlsx"
    Workbook().save(book)
    text = "渠道,编号,标题\r\npetition,K-1,来信\r\n"
    files = {
        "renamed.csv": (book.read_bytes(), "这是 .xlsx (zip) 文件, 扩展名却是 .csv"),
        "renamed.jsonl": (book.read_bytes(), "这是 .xlsx (zip) 文件, 扩展名却是 .jsonl"),
        "old.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "这是旧版 Excel (.xls)"),
        "unicode.csv": (text.encode("utf-16"), "文件是 UTF-16 编码"),
        "scan.xlsx": (b"%PDF-1.7\n" + bytes(100), "这是 PDF 文件"),
    }
    for name, (content, says) in files.items():
        (tmp_path / name).write_bytes(content)
        code, output = _import(tmp_path / name)
        assert code == 1 and f"{tmp_path / name}: {says}" in output, (name, output)
        assert output.count("\n") < 5, output
    result = CliRunner().invoke(cli, ["register", "import", str(tmp_path / "unicode.csv")])
    assert result.exit_code == 1 and "unicode.csv: 文件是 UTF-16 编码" in result.output


def test_titles_separated_by_tabs_or_semicolons_are_told_to_use_commas(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    """A tab-separated export was "第1行不是表头"; the register's "找不到表头行"."""
    files = {("signal", "tab.csv"): "渠道\t编号\t标题\npetition\tS-1\t来信\n",
             ("signal", "semi.csv"): "渠道;编号;标题\npetition;S-2;来信\n",
             ("register", "register.csv"): "编号;风险点;风险类别;风险等级\nX-1;a;业务流程;高\n",
             ("org", "org.csv"): "单位编码\t单位\t部门编码\t部门\nU1\t测试单位\tCGZX\t采购中心\n"}
    for (command, name), text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        result = CliRunner().invoke(cli, [command, "import", str(tmp_path / name)])
        assert result.exit_code == 1, result.output
        assert "第1行的列之间用的是" in result.output and "不是逗号" in result.output, (
            name, result.output)


def test_boms_line_ends_and_nul_bytes_are_read_or_named(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    files = {
        "bom-crlf.csv": b"\xef\xbb\xbf\xe6\xb8\xa0\xe9\x81\x93,id,title\r\npetition,B-1,a\r\n",
        "cr-only.csv": b"channel,external_id,title\rpetition,B-2,b\rpetition,B-3,c\r",
        "bom-crlf.jsonl": b'\xef\xbb\xbf{"channel":"petition","external_id":"B-4","title":"d"}\r\n',
    }
    files["bom-crlf.csv"] = files["bom-crlf.csv"].replace(b",id,", b",external_id,")
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        code, output = _import(tmp_path / name)
        assert code == 0, (name, output)
    assert _titles(env) == {"B-1": "a", "B-2": "b", "B-3": "c", "B-4": "d"}
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"channel,external_id,title\npetition,N-1,a\x00b\n")
    code, output = _import(nul)
    assert code == 1 and f"{nul}:2: title: 不能包含 NUL 字符" in output, output
