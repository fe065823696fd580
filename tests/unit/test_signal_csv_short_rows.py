"""A .csv row that stops before its header's last column is refused, naming the column.

Before: a file cut off in the middle of its last row imported that row with its text,
department and amount empty, exit 0; a row missing a comma stored its values under the
wrong columns. A longer row was already refused."""

from pathlib import Path

from warning.services.signal_files import RowError, read_rows, to_signal
from warning.services.signal_input import SignalIn

HEADER = "channel,external_id,title,text,department,amount"


def _read(tmp_path: Path, body: str) -> list[SignalIn | RowError]:
    path = tmp_path / "signals.csv"
    path.write_text(body, encoding="utf-8")
    return [to_signal(line, raw, None) for line, raw in read_rows(path)]


def test_a_row_cut_off_at_the_end_of_the_file_is_refused(tmp_path: Path) -> None:
    read = _read(tmp_path, f"{HEADER}\npetition,tr-1,完整标题,完整正文,BGS,100.00\n"
                           "petition,tr-2,被截断的标")
    assert isinstance(read[0], SignalIn)
    assert isinstance(read[1], RowError) and read[1].line == 3
    assert read[1].message.startswith("此行只有 3 列, 表头有 6 列") and "缺“text”起的列" in (
        read[1].message)


def test_a_row_missing_a_comma_is_refused_not_shifted(tmp_path: Path) -> None:
    [read] = _read(tmp_path, f"{HEADER}\npetition,m-1,标题,正文BGS,100.00\n")
    assert isinstance(read, RowError) and "缺“amount”起的列" in read.message


def test_empty_trailing_cells_written_with_their_commas_pass(tmp_path: Path) -> None:
    [read] = _read(tmp_path, f"{HEADER},,\npetition,e-1,标题,,,\n")
    assert isinstance(read, SignalIn) and read.text == "" and read.amount is None
