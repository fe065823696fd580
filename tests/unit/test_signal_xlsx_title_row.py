"""A signal .xlsx whose header stands below a title row (a 台账) is read from its header.

Before: the header had to be row 1, and a sheet opening with its merged title
"2026年第三季度审计发现问题台账" was refused as having no header.
"""

from pathlib import Path

import pytest

from tests.support import write_book
from warning.services.signal_files import SignalFileError, read_rows

TITLE = "2026年第三季度审计发现问题台账"
HEADER = ["序号", "渠道", "编号", "标题", "部门"]


def test_a_merged_title_and_a_blank_row_above_the_header_are_skipped(tmp_path: Path) -> None:
    path = write_book(tmp_path / "台账.xlsx", [
        [TITLE, None, None, None, None],
        [],
        HEADER,
        [1, "audit", "A-1", "围标", "CGZX"],
        [2, "audit", "A-2", "串标", None],
        [3, "audit", "A-3", "虚报", None],
    ], ["A1:E1", "E4:E5"])
    rows = list(read_rows(path))
    assert [line for line, _row in rows] == [4, 5, 6]  # the sheet's own row numbers
    assert rows[0][1] == {"序号": 1, "渠道": "audit", "编号": "A-1", "标题": "围标",
                          "部门": "CGZX"}
    assert [row["部门"] for _line, row in rows] == ["CGZX", "CGZX", None]  # E4:E5 merged


def test_an_unmerged_title_in_one_cell_is_skipped_too(tmp_path: Path) -> None:
    path = write_book(tmp_path / "台账.xlsx", [[TITLE], HEADER, [1, "audit", "A-1", "围标"]])
    assert [line for line, _row in read_rows(path)] == [3]


def test_errors_below_a_title_name_the_sheets_rows(tmp_path: Path) -> None:
    path = write_book(tmp_path / "台账.xlsx", [[TITLE], [*HEADER, "备注"], [1, "audit"]])
    with pytest.raises(SignalFileError, match="第2行表头有未知的列 “备注”"):
        list(read_rows(path))


def test_a_header_below_a_row_of_several_cells_is_refused_naming_sheet_and_row(
    tmp_path: Path,
) -> None:
    path = write_book(tmp_path / "台账.xlsx", [
        ["填报单位: 采购中心", None, "填报日期: 2026-09-30"],
        HEADER,
        [1, "audit", "A-1", "围标"],
    ])
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    message = str(caught.value)
    assert "工作表“Sheet”第2行像是表头, 但其上方第1行不是标题行" in message
    assert "表头须在第1行" in message


def test_a_sheet_with_no_header_in_its_first_rows_is_still_refused_at_row_one(
    tmp_path: Path,
) -> None:
    path = write_book(tmp_path / "台账.xlsx", [[TITLE], *[["x"]] * 10, HEADER])
    with pytest.raises(SignalFileError, match="第1行不是表头"):
        list(read_rows(path))


def test_a_hidden_first_sheet_of_lists_is_skipped(tmp_path: Path) -> None:
    """A template's hidden first sheet holds the drop-down lists (渠道 to choose from): it
    was read as the signals and refused as headerless, naming no sheet."""
    from openpyxl import Workbook

    book = Workbook()
    lists = book.active
    assert lists is not None
    lists.title = "字典"
    for channel in ("audit", "petition"):
        lists.append([channel])
    lists.sheet_state = "hidden"
    data = book.create_sheet("台账")
    for row in ([TITLE], HEADER, [1, "audit", "A-1", "围标", "CGZX"]):
        data.append(row)
    book.save(tmp_path / "台账.xlsx")
    assert list(read_rows(tmp_path / "台账.xlsx")) == [
        (3, {"序号": 1, "渠道": "audit", "编号": "A-1", "标题": "围标", "部门": "CGZX"})]


def test_a_header_error_in_a_book_of_several_sheets_names_the_sheet_read(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.create_sheet("台账").append(HEADER)  # the first sheet, "Sheet", is left empty
    book.save(tmp_path / "台账.xlsx")
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(tmp_path / "台账.xlsx"))
    assert str(caught.value).endswith("第1行应为表头 (读取的是工作表“Sheet”, 共 2 个工作表: "
                                      "信号须在第一个可见的工作表)")


@pytest.mark.parametrize("above", [[], [TITLE]])
def test_a_header_below_row_one_without_a_title_column_is_named(
    tmp_path: Path, above: list[str]
) -> None:
    """It was "第1行应为表头" (a blank row 1) or "第1行不是表头 (读到 台账)": the reader was
    sent to row 1 while the header is row 2 and lacks its 标题 column."""
    rows = [above, ["渠道", "编号", "内容"], ["audit", "A-1", "x"]]
    path = write_book(tmp_path / "台账.xlsx", rows)
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).endswith(
        "工作表“Sheet”第2行像是表头 (有 “渠道”、“编号”、“内容”), 但没有“标题”列: 表头不在第1行时"
        "须有 标题 列 (a header below row 1 must name the title)")
