"""The .csv encoding check: as strict as a line-by-line reading, and GBK read in pieces.

The check read a GBK file a line at a time (readline, then a UTF-8 decode that fails on
nearly every line): 5.7x as long as the same rows in UTF-8 (100,000 long rows), 7.3x on
short rows. It reads pieces of whole lines now. A test of the time ratio failed on a loaded
machine (4.6x against a bound of 4.5x): the speed is measured in bench/, and the test
asserts how the file is read.
"""

import io
import random
import re

from warning.sheets.csv_encoding import _CHUNK, GBK, UTF8, MixedEncodingError, encoding_of


def _by_lines(data: bytes) -> tuple[int, int]:
    """The rule read line by line: the first line that is not UTF-8, and the first that is
    UTF-8 with a character above U+07FF (0 if none)."""
    gbk = utf8 = 0
    for number, line in enumerate(re.split(rb"\r\n|\r|\n", data), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            gbk = gbk or number
        else:
            if any(ord(char) > 0x7FF for char in text):
                utf8 = utf8 or number
    return gbk, utf8


def _outcome(data: bytes) -> tuple[str, int, int]:
    try:
        return encoding_of(io.BytesIO(data)), 0, 0
    except MixedEncodingError as error:
        return "mixed", error.gbk_line, error.utf8_line


def test_the_check_agrees_with_a_line_by_line_reading() -> None:
    texts = ["abc", "来信", "résumé", "Ωμέγα", "中文ABC", "", "petition,A-1,来信二", "😀", "ñ中"]
    chance = random.Random(17)
    for _ in range(2000):
        data = b"".join(
            chance.choice(texts).encode(chance.choice(["utf-8", "gb18030"]))
            + chance.choice([b"\n", b"\r\n", b"\r", b""]) for _ in range(chance.randint(1, 8)))
        if chance.random() < 0.2:
            data += bytes([chance.randint(0x80, 0xFF)])  # a sequence cut at the end
        gbk, utf8 = _by_lines(data)
        expected = ("mixed", gbk, utf8) if gbk and utf8 else (GBK if gbk else UTF8, 0, 0)
        assert _outcome(data) == expected, data


def test_lines_longer_than_a_read_are_checked_whole() -> None:
    long_utf8 = ("来信" * 400_000).encode()  # 2.4 MB, over two reads of 1 MiB
    assert _outcome(b"a,b\n" + "标题".encode("gbk") + b"\n" + long_utf8 + b"\n") == (
        "mixed", 2, 3)
    assert _outcome(("中" * 1_000_000).encode("gbk") + b"\n") == (GBK, 0, 0)


def test_lines_ended_by_a_lone_cr_are_lines() -> None:
    # old Mac Excel's "CSV (Macintosh)": the file was one line, read as GB18030 whole
    header = "渠道,编号,标题\r".encode("gbk")
    assert _outcome(header + "audit,a1,来信\r".encode()) == ("mixed", 1, 2)
    assert _outcome(header + "audit,a1,来信\r".encode("gbk")) == (GBK, 0, 0)


def test_a_crlf_cut_between_two_reads_ends_one_line() -> None:
    first = b"x" * (1024 * 1024 - 1) + b"\r"  # the read of 1 MiB ends on the "\r"
    data = first + b"\n" + "标题\r\n".encode("gbk") + "来信\r\n".encode()
    assert _outcome(data) == ("mixed", 2, 3)


class _CountingReads(io.BytesIO):
    """A file that counts how it is read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = self.lines = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)

    def readline(self, size: int | None = -1) -> bytes:
        self.lines += 1
        return super().readline(size)


def test_a_gbk_file_is_checked_in_pieces_not_line_by_line() -> None:
    """What made GBK slow was a read and a failing decode per line; the speed itself is
    measured in bench/ (bench/RESULTS.md, session 17), not asserted here."""
    rows = "".join(f"petition,B-{n:06d},反映采购中心设备采购问题{n},采购中心,{n}\n"
                   for n in range(50_000))
    for data, expected in ((rows.encode("gbk"), GBK), (rows.encode("utf-8"), UTF8)):
        handle = _CountingReads(data)
        assert encoding_of(handle) == expected
        assert handle.lines == 0
        assert handle.reads <= 2 * (len(data) // _CHUNK + 2), handle.reads
