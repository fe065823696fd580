"""Register rows: header matching, value parsing and the Chinese problem messages."""

from datetime import date, datetime

import pytest

from warning.domain.enums import DEFAULT_CATEGORIES, Level, OwnerLevel
from warning.register.columns import find_header, normalize_header
from warning.register.files import RegisterError, rows_from_table
from warning.register.rows import Catalog, RawRow, parse_date, parse_level, parse_rows

CATALOG = Catalog(DEFAULT_CATEGORIES, {"CGZX": "采购中心", "CWK": "财务科", "BGS": "办公室"})
GOOD = {"code": "CG-001", "name": "化整为零规避招标", "category": "制度机制", "level": "高"}


def _messages(*rows: dict[str, object]) -> list[str]:
    raw = [RawRow(line, values) for line, values in enumerate(rows, start=2)]
    return [str(p) for p in parse_rows(raw, CATALOG)[1]]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("高", Level.HIGH),
        ("一级", Level.HIGH),
        ("中", Level.MEDIUM),
        ("一般", Level.MEDIUM),
        ("二级", Level.MEDIUM),
        ("低", Level.LOW),
        ("三级", Level.LOW),
        (" 高 ", Level.HIGH),
        ("HIGH", Level.HIGH),
    ],
)
def test_levels_accept_the_seeds_spellings(text: str, level: Level) -> None:
    assert parse_level(text) is level


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01",
        "2024/5/1",
        "2024年5月1日",
        "2024.05.01",
        "２０２４／５／１",
        date(2024, 5, 1),
        datetime(2024, 5, 1, 0, 0),
        45413,
        "2024-05-01 00:00:00",
    ],
)
def test_dates_accept_every_form(value: object) -> None:
    assert parse_date(value) == date(2024, 5, 1)


def test_headers_fold_whitespace_width_and_hints() -> None:
    assert normalize_header(" 风险 等级（高/中/低）：") == "风险等级"
    assert normalize_header("风险点*") == "风险点"


def test_header_row_is_found_below_a_title_row() -> None:
    table = [
        (1, ["《部门廉洁风险点识别及防控措施表》", None, None]),
        (2, ["填报单位：采购中心", None, None]),
        (3, ["序号", "编号", "岗 位", "风险点", "防控措施"]),
        (4, [1, "CG-001", "采购员", "x", "y"]),
    ]
    header = find_header(table)
    assert header is not None and header.line == 3
    rows = rows_from_table(table)
    assert rows[0].line == 4
    assert rows[0].values == {"code": "CG-001", "post": "采购员", "name": "x", "prevention": "y"}


def test_unknown_and_repeated_columns_are_errors_naming_them() -> None:
    table = [(1, ["编号", "风险点", "备注", "防控措施", "前期预防措施"])]
    with pytest.raises(RegisterError) as caught:
        rows_from_table(table)
    text = str(caught.value)
    assert "第1行: 未知的列 “备注”" in text
    assert "“前期预防措施”与“防控措施”重复" in text


def test_a_good_row_parses_with_defaults() -> None:
    rows, problems = parse_rows([RawRow(2, {**GOOD, "department": "采购中心"})], CATALOG)
    assert problems == []
    assert rows[0].level is Level.HIGH and rows[0].department == "CGZX"
    assert rows[0].owner_level is OwnerLevel.DEPARTMENT


def test_bad_level_names_the_allowed_ones() -> None:
    assert _messages({**GOOD, "level": "很高"}) == ["第2行: 风险等级“很高”不是 高/中/低"]


def test_unknown_department() -> None:
    assert _messages({**GOOD, "department": "后勤科"}) == ["第2行: 部门“后勤科”不存在"]


def test_department_by_code_or_name() -> None:
    assert (
        _messages({**GOOD, "department": "CWK"}, {**GOOD, "code": "X", "department": "财务科"})
        == []
    )


def test_duplicate_code_names_the_first_line() -> None:
    assert _messages(GOOD, GOOD) == ["第3行: 编号“CG-001”与第2行重复"]


def test_unknown_category_and_owner_level_and_date() -> None:
    messages = _messages(
        {**GOOD, "category": "廉洁文化", "owner_level": "个体", "reviewed_on": "明年"}
    )
    assert messages == [
        "第2行: 风险类别“廉洁文化”不在类别表中 (思想道德/岗位职责/业务流程/制度机制/外部环境)",
        "第2行: 风险层级“个体”不是 岗位/部门/领导班子/单位",
        "第2行: 复核日期“明年”不是有效日期 (如 2024-05-01)",
    ]


def test_missing_fields_and_post_without_department() -> None:
    assert _messages({"code": "A-1", "post": "采购员"}) == [
        "第2行: 缺少风险点",
        "第2行: 缺少风险类别",
        "第2行: 缺少风险等级",
        "第2行: 岗位“采购员”须同时填写部门",
    ]


def test_every_row_is_checked() -> None:
    messages = _messages(
        {**GOOD, "level": "?"}, {**GOOD, "code": "B"}, {**GOOD, "code": "C", "department": "无"}
    )
    assert [m[:4] for m in messages] == ["第2行:", "第4行:"]


def test_whole_float_codes_lose_their_point_zero() -> None:
    rows, _ = parse_rows([RawRow(2, {**GOOD, "code": 12.0})], CATALOG)
    assert rows[0].code == "12"
