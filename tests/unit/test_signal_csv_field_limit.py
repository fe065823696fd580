"""Reading a signal .csv raises the csv module's cell limit for itself only.

Before: signal_files set `csv.field_size_limit(MAX_LINE_BYTES)` once and for good, which
changed the limit for every other csv reader of the process.
"""

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from warning.services import signal_files
from warning.services.signal_files import SignalFileError, read_rows

HEADER = "渠道,标题,内容\n"


@pytest.fixture
def small_limit() -> Iterator[int]:
    """Hold the process's limit at a value of its own, so a change of it shows."""
    previous = csv.field_size_limit(5_000)
    yield 5_000
    csv.field_size_limit(previous)


def test_reading_a_signal_file_leaves_the_limit_as_it_was(
    tmp_path: Path, small_limit: int
) -> None:
    path = tmp_path / "signals.csv"
    long_text = "围标" * small_limit  # over the process's limit, within the signal reader's
    path.write_text(f"{HEADER}audit,第一条,{long_text}\naudit,第二条,短\n", encoding="utf-8")
    rows = read_rows(path)
    line, row = next(rows)
    assert (line, len(row["内容"])) == (2, 2 * small_limit)
    assert csv.field_size_limit() == small_limit  # also while the reader is suspended
    assert [line for line, _row in rows] == [3]
    assert csv.field_size_limit() == small_limit


def test_a_cell_over_the_signal_limit_names_that_limit(
    tmp_path: Path, small_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signal_files, "MAX_LINE_BYTES", 1_000)
    path = tmp_path / "signals.csv"
    path.write_text(f"{HEADER}audit,短,短\naudit,长,{'x' * 1_001}\n", encoding="utf-8")
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).endswith(":3: 有单元格超过 1000 个字符 (cell too large)")
    assert csv.field_size_limit() == small_limit
