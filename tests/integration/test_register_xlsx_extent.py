"""A register .xlsx whose sheet reaches far beyond its content is refused before it is read.

openpyxl fills a sheet's whole range (and every merged range) with cells: a 5 KB file with
one cell at XFD1048576, or a range A5:XFD1048576 merged, took every byte of memory, and a
workbook whose only sheet is missing from the zip failed the import page with a 500.
"""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tests.integration.page_client import Site, build_site
from warning.db.models import RiskPoint
from warning.register import xlsx
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE

SHEET = "xl/worksheets/sheet1.xml"
Spoil = Callable[[dict[str, bytes]], dict[str, bytes]]


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _register() -> dict[str, bytes]:
    """Return the parts of a register workbook that adds one risk point."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = xlsx.SHEET_NAME
    sheet.append(["编号", "风险点", "风险类别", "风险等级", "部门"])
    sheet.append(["CG-901", "新增风险点", "业务流程", "高", "CGZX"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _far_cell(parts: dict[str, bytes]) -> dict[str, bytes]:
    row = b'<row r="100"><c r="AZ100" t="inlineStr"><is><t>x</t></is></c></row>'
    return {**parts, SHEET: parts[SHEET].replace(b"</sheetData>", row + b"</sheetData>")}


def _far_merge(parts: dict[str, bytes]) -> dict[str, bytes]:
    merged = b'<mergeCells count="1"><mergeCell ref="A10:AZ100"/></mergeCells>'
    return {**parts, SHEET: parts[SHEET].replace(b"</sheetData>", b"</sheetData>" + merged)}


def _no_sheet(parts: dict[str, bytes]) -> dict[str, bytes]:
    return {name: content for name, content in parts.items() if name != SHEET}


@pytest.mark.parametrize("spoil,problem", [
    (_far_cell, "工作表“风险点清单”的范围 A1:AZ100 有 5200 个单元格，超过 1000 个上限"),
    (_far_merge, "合并单元格共 4732 个，超过 1000 个上限"),
    (_no_sheet, "文件中没有工作表"),
])
def test_a_sheet_too_wide_for_its_content_is_refused_naming_its_range(
    site: Site, monkeypatch: pytest.MonkeyPatch, spoil: Spoil, problem: str,
) -> None:
    monkeypatch.setattr(xlsx, "MAX_REGISTER_CELLS", 1000)  # the real limit, made small
    office = site.client("office")
    office.get("/register")
    answer = office.post("/register/import", data={"csrf_token": office.cookies[COOKIE]},
                         files={"file": ("清单.xlsx", _zip(spoil(_register())))})
    assert answer.status_code == 422, answer.text
    assert problem in answer.text and "未导入任何数据" in answer.text
    with site.runtime.sessions() as session:
        assert session.scalars(select(RiskPoint).where(RiskPoint.code == "CG-901")).first() is None


def test_a_register_within_the_limit_still_imports(site: Site) -> None:
    office = site.client("office")
    office.get("/register")
    answer = office.post("/register/import", data={"csrf_token": office.cookies[COOKIE]},
                         files={"file": ("清单.xlsx", _zip(_register()))})
    assert answer.status_code == 200 and "新增 1 条" in answer.text, answer.text
