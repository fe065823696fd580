"""A signal .csv saved from a 台账 keeps its title row: its header is found below it.

Before: only a .xlsx was read past its title row. The same 台账 saved as .csv ("2026年第三
季度审计发现问题台账,,,,") was refused as "第1行不是表头", its header on line 3 unnamed.
"""

from pathlib import Path

import pytest

from warning.services.signal_files import SignalFileError, read_rows

TITLE = "2026年第三季度审计发现问题台账"
HEADER = "序号,渠道,编号,标题,部门"


def _csv(tmp_path: Path, *lines: str, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "台账.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_title_row_and_a_blank_row_above_the_header_are_skipped(
    tmp_path: Path, encoding: str
) -> None:
    path = _csv(tmp_path, f"{TITLE},,,,", ",,,,", HEADER, "1,audit,A-1,围标,CGZX",
                "2,audit,A-2,串标,", encoding=encoding)
    rows = list(read_rows(path))
    assert [line for line, _row in rows] == [4, 5]  # the file's own line numbers
    assert rows[0][1] == {"序号": "1", "渠道": "audit", "编号": "A-1", "标题": "围标",
                          "部门": "CGZX"}


def test_an_empty_line_between_title_and_header_keeps_the_lines_numbered(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, TITLE, "", HEADER, "", "1,audit,A-1,围标,CGZX")
    assert [line for line, _row in read_rows(path)] == [5]


def test_a_header_on_line_one_is_read_as_before(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "1,audit,A-1,围标,CGZX")
    assert [line for line, _row in read_rows(path)] == [2]


def test_errors_below_a_title_name_the_header_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{TITLE},,,,,", f"{HEADER},备注", "1,audit,A-1,围标,CGZX,x")
    with pytest.raises(SignalFileError, match="第2行表头有未知的列 “备注”"):
        list(read_rows(path))


def test_a_header_below_a_row_of_several_cells_is_refused_naming_the_line(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, "填报单位: 采购中心,,填报日期: 2026-09-30", HEADER,
                "1,audit,A-1,围标,CGZX")
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: 第2行像是表头, 但其上方第1行不是标题行")
    assert "工作表" not in message  # a .csv has no sheet to name


def test_a_header_below_line_one_without_a_title_column_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, TITLE, "渠道,编号,内容", "audit,A-1,x")
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).endswith(
        "第2行像是表头 (有 “渠道”、“编号”、“内容”), 但没有“标题”列: 表头不在第1行时"
        "须有 标题 列 (a header below row 1 must name the title)")


def test_a_file_with_no_header_in_its_first_lines_is_still_refused_at_line_one(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, TITLE, *["x"] * 10, HEADER, "1,audit,A-1,围标,CGZX")
    with pytest.raises(SignalFileError, match="第1行不是表头"):
        list(read_rows(path))


def test_a_title_only_file_is_refused_not_read_as_empty(tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{TITLE},,,,")
    with pytest.raises(SignalFileError, match="第1行不是表头"):
        list(read_rows(path))


def test_a_header_of_the_title_alone_is_found_below_a_title_row(tmp_path: Path) -> None:
    """A one-column list of titles (a channel whose rows need no id) below its title row.
    Before: refused as "第1行不是表头", naming the title row."""
    path = _csv(tmp_path, TITLE, "", "标题", "围标问题", "串标问题")
    assert [(line, row) for line, row in read_rows(path)] == [
        (4, {"标题": "围标问题"}), (5, {"标题": "串标问题"})]


def test_a_title_cell_beside_unknown_ones_is_not_a_header(tmp_path: Path) -> None:
    path = _csv(tmp_path, TITLE, "标题,甲,乙", "围标,1,2")
    with pytest.raises(SignalFileError, match="第1行不是表头"):
        list(read_rows(path))
