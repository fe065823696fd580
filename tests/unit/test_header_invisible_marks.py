"""A column title with an invisible format character is the title it reads as.

Before: a second BOM (two UTF-8 files pasted together) or a zero-width space (a title
copied off a web page) made "\\ufeff渠道" an unknown column, and the message named the
unknown column “渠道”, which reads exactly as the known one.
"""

from pathlib import Path

import pytest

from warning.services.signal_files import read_rows, to_signal
from warning.sheets.headers import normalize_header


@pytest.mark.parametrize(
    "title", ["\ufeff渠道", "渠道\u200b", "渠\u2060道", "\u200e渠道", "渠\u00ad道"])
def test_invisible_marks_are_folded_away(title: str) -> None:
    assert normalize_header(title) == "渠道"


def test_a_csv_with_a_second_bom_and_a_zero_width_space_imports(tmp_path: Path) -> None:
    path = tmp_path / "signals.csv"
    path.write_bytes("\ufeff\ufeff渠道,编号,标题\u200b\naudit,A-1,来信\n".encode())
    [(line, raw)] = list(read_rows(path))
    signal = to_signal(line, raw, None)
    assert (line, signal.channel, signal.title) == (2, "audit", "来信")  # type: ignore[union-attr]
