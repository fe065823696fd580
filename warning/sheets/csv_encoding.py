"""Tell a .csv's encoding: UTF-8 (with or without BOM) or GBK/GB18030, never both.

Excel on a Chinese Windows saves GBK; other tools save UTF-8; a file pasted together from
both decoded as GB18030 whole, and its UTF-8 rows were stored as mojibake ("来信" as
"鏉ヤ俊") with exit 0. GB18030 decodes almost any bytes, so that cannot be told from the
text: a file that is not UTF-8 whole is refused if one of its lines is UTF-8 holding
characters above U+07FF (Chinese in UTF-8 is three bytes; two GBK characters line up as
such a sequence too rarely to matter).
A line ends as the csv reader ends it: "\n", "\r\n" or a lone "\r" (old Mac Excel's
"CSV (Macintosh)"), whose file was looked at as one line and its GBK and UTF-8 rows
stored as mojibake.
"""

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

UTF8 = "utf-8-sig"
GBK = "gb18030"  # a superset of GBK
_LINE_BYTES = 8_000_000
_CHUNK = 1 << 20
# A line that is UTF-8 whole and holds a character above U+07FF (three or four bytes),
# found by one regex pass over bytes instead of a readline and a decode per line: the
# check of a 100,000-row GBK file took 5.7x the UTF-8 one, now 1.7-2.5x (RESULTS.md,
# session 17). Every repeat is possessive and the alternatives start on disjoint bytes,
# so nothing backtracks: a GBK line fails at its first byte that is not UTF-8.
_ASCII = rb"[\x00-\x09\x0b-\x7f]"
_TWO = rb"[\xc2-\xdf][\x80-\xbf]"
_WIDE = (rb"\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
         rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_UTF8_LINE = re.compile(
    rb"\n" + _ASCII + rb"*+(?:" + _TWO + _ASCII + rb"*+)*+(?:" + _WIDE + rb")"
    rb"(?:" + _ASCII + rb"++|" + _TWO + rb"|" + _WIDE + rb")*+(?=\n)")


class MixedEncodingError(ValueError):
    """A file with a line in GBK and another in UTF-8; the message names one of each."""

    def __init__(self, gbk_line: int, utf8_line: int) -> None:
        super().__init__(f"文件混用了两种编码: 第{gbk_line}行是 GBK, 第{utf8_line}行是 UTF-8 "
                         "(请将整个文件另存为 UTF-8 后再导入)")
        self.gbk_line = gbk_line
        self.utf8_line = utf8_line


def encoding_of(handle: BinaryIO) -> str:
    """Return UTF8 or GBK for the bytes of `handle` (read to the end), or raise
    MixedEncodingError."""
    if _all_utf8(handle):
        return UTF8
    handle.seek(0)
    gbk_line = utf8_line = before = 0
    for piece in _lines_in_pieces(handle):
        if not gbk_line:
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as error:
                gbk_line = before + piece.count(b"\n", 0, error.start) + 1
        if not utf8_line and (found := _UTF8_LINE.search(b"\n" + piece + b"\n")):
            utf8_line = before + piece.count(b"\n", 0, found.start()) + 1
        if gbk_line and utf8_line:
            raise MixedEncodingError(gbk_line, utf8_line)
        before += piece.count(b"\n")
    return GBK


def _lines_in_pieces(handle: BinaryIO) -> Iterator[bytes]:
    """Yield the file in pieces of whole lines (a line over _LINE_BYTES is cut there), each
    line ending in "\n" (a lone "\r" is made one)."""
    tail = b""
    while chunk := handle.read(_CHUNK):
        data = tail + chunk
        end = len(data) - data.endswith(b"\r")  # a "\r" read last may start a "\r\n"
        cut = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1
        if cut == 0 and len(data) < _LINE_BYTES:
            tail = data
            continue
        cut = cut or len(data)
        yield _unix_lines(data[:cut])
        tail = data[cut:]
    if tail:
        yield _unix_lines(tail)


def _unix_lines(piece: bytes) -> bytes:
    # GBK and UTF-8 never use the byte 0x0D inside a character; "\r\n" already holds "\n"
    if b"\r" not in piece or piece.count(b"\r") == piece.count(b"\r\n"):
        return piece
    return piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _all_utf8(handle: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def undecodable_line(handle: BinaryIO, encoding: str = GBK) -> int:
    """Return the first line of `handle` that `encoding` cannot decode, 0 if none: a file
    neither UTF-8 nor GB18030 was refused without saying where."""
    before = 0
    for piece in _lines_in_pieces(handle):
        try:
            piece.decode(encoding)
        except UnicodeDecodeError as error:
            return before + piece.count(b"\n", 0, error.start) + 1
        before += piece.count(b"\n")
    return 0
