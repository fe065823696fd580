"""A signal .xlsx is read no wider than its header, whatever width the file declares.

openpyxl pads every row of a read-only sheet to the width in the file's <dimension>: a
5 KB file declaring A1:XFD1048576 with a row at 1048576 read 16,384 cells for each of a
million rows, and `qingfeng signal import` spun for minutes before it read the first one.
"""

import io
import re
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from openpyxl import Workbook

from tests.support import book_bytes
from warning.services.signal_files import read_rows

SHEET = "xl/worksheets/sheet1.xml"
LAST_ROW = 300_000


def _declared_wide(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["渠道", "编号", "标题"])
    sheet.append(["petition", "X-1", "来信"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    far = (f'<row r="{LAST_ROW}"><c r="A{LAST_ROW}" t="inlineStr"><is><t>audit</t></is></c>'
           f'<c r="B{LAST_ROW}" t="inlineStr"><is><t>X-2</t></is></c>'
           f'<c r="C{LAST_ROW}" t="inlineStr"><is><t>审计</t></is></c></row>').encode()
    sheet_xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>',
                       parts[SHEET]).replace(b"</sheetData>", far + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**parts, SHEET: sheet_xml}.items():
            archive.writestr(name, content)


@pytest.fixture
def within_ten_seconds() -> Iterator[None]:
    """Fail the test, rather than wait, if it runs past ten seconds (it takes under one)."""
    def expire(_: int, __: FrameType | None) -> None:
        raise TimeoutError("read for more than 10 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 10)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_rows_are_read_no_wider_than_the_header(tmp_path: Path, within_ten_seconds: None) -> None:
    path = tmp_path / "signals.xlsx"
    _declared_wide(path)
    rows = list(read_rows(path))
    assert [(number, row["编号"]) for number, row in rows] == [(2, "X-1"), (LAST_ROW, "X-2")]
    assert all(len(row) == 3 for _, row in rows)


def _declared(path: Path, rows: list[list[object]], ref: str) -> Path:
    with zipfile.ZipFile(io.BytesIO(book_bytes(rows))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[SHEET] = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(),
                          parts[SHEET])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize("ref", ["A1", "A1:B2", "A1:D3"])
@pytest.mark.parametrize("title", [[], [["2026年审计台账"]]])
def test_rows_and_columns_past_a_declared_dimension_too_small_are_read(
    tmp_path: Path, ref: str, title: list[list[object]]
) -> None:
    """Some writers declare A1 whatever the sheet holds: the read-only sheet read no row or
    column past it, and the file imported nothing (or two of its columns) with exit 0."""
    data = [["audit", f"X-{n}", f"来信{n}", 5000 + n] for n in range(1, 6)]
    path = _declared(tmp_path / "signals.xlsx", [*title, ["渠道", "编号", "标题", "金额"], *data],
                     ref)
    rows = list(read_rows(path))
    first = len(title) + 2
    assert [number for number, _ in rows] == list(range(first, first + 5))
    assert rows[-1][1] == {"渠道": "audit", "编号": "X-5", "标题": "来信5", "金额": 5005}
