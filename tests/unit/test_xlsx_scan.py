"""The worksheet scan finds every merged range and unreadable cell, however the part is cut."""

import zipfile
from pathlib import Path

import pytest

from warning.sheets import xlsx_scan
from warning.sheets.xlsx_scan import Merged, scan_sheet

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _part(path: Path, rows: str, merged: list[str], padding: int = 0) -> Path:
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in merged)
    xml = (f'<worksheet {NS}><sheetData>{rows}</sheetData>'
           f'<!--{"x" * padding}--><mergeCells>{cells}</mergeCells></worksheet>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return path


@pytest.mark.parametrize("chunk", [41, 100, 1 << 20])
def test_every_merged_range_is_found_whatever_the_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(xlsx_scan, "_CHUNK", chunk)
    monkeypatch.setattr(xlsx_scan, "_OVERLAP", 40)  # longer than one <mergeCell/>
    refs = [f"D{n}:D{n + 2}" for n in range(2, 300, 3)] + ["A1:C1"]  # one row: left alone
    path = _part(tmp_path / "a.xlsx", "", refs, padding=3000)
    found = scan_sheet(path, "xl/worksheets/sheet1.xml", 10).merged
    assert found == [Merged(4, n, 4, n + 2) for n in range(2, 300, 3)]


def test_cells_without_a_reference_are_named_by_their_position(tmp_path: Path) -> None:
    rows = ('<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>'
            '<row><c><v>1</v></c><c><f>A2*2</f></c></row>'
            '<row r="5"><c t="e"><v>#N/A</v></c><c t="str"><f>""</f><v></v></c>'
            '<c r="Z5" t="e"><v>#REF!</v></c></row>')
    path = _part(tmp_path / "b.xlsx", rows, [])
    unreadable = scan_sheet(path, "xl/worksheets/sheet1.xml", 3).unreadable
    assert sorted(unreadable) == [2, 5]
    assert unreadable[2].startswith("单元格 B2: 公式没有保存计算结果")
    assert unreadable[5].startswith("单元格 A5: 值为错误 #N/A")
