"""Tell a .csv's encoding: UTF-8 (with or without BOM) or GBK/GB18030, never both.

Excel on a Chinese Windows saves GBK; other tools save UTF-8; a file pasted together from
both decoded as GB18030 whole, and its UTF-8 rows were stored as mojibake ("来信" as
"鏉ヤ俊") with exit 0. GB18030 decodes almost any bytes, so that cannot be told from the
text: a file that is not UTF-8 whole is refused if one of its lines is UTF-8 holding
characters above U+07FF (Chinese in UTF-8 is three bytes; two GBK characters line up as
such a sequence too rarely to matter).
"""

import codecs
from typing import BinaryIO

UTF8 = "utf-8-sig"
GBK = "gb18030"  # a superset of GBK
_LINE_BYTES = 8_000_000


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
    gbk_line = utf8_line = 0
    number = 0
    while line := handle.readline(_LINE_BYTES):
        number += 1
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            gbk_line = gbk_line or number
        else:
            if any(ord(char) > 0x7FF for char in text):
                utf8_line = utf8_line or number
        if gbk_line and utf8_line:
            raise MixedEncodingError(gbk_line, utf8_line)
    return GBK


def _all_utf8(handle: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
