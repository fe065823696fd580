"""Choose the character encoding of a feed body, Chinese encodings first-class.

feedparser's own fallback chain ends in windows-1252, which decodes any bytes and so
turns a mislabelled GBK or Big5 feed into mojibake while reporting success. The encoding
is therefore chosen here by strict decoding, and feedparser is told it as the charset.
"""

import codecs
import re
from dataclasses import dataclass

# A declared legacy Chinese encoding is decoded with its superset: feeds that declare
# gb2312 routinely contain GBK or GB18030-only characters (e.g. 镕, 喆, 堃), and Big5 feeds
# carry HKSCS characters.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}
ALIASES = {"x-gbk": "gbk", "x-gb18030": "gb18030", "gb_2312-80": "gb2312", "x-big5": "big5"}
# Single-byte Western labels decode anything, and Java servers send ISO-8859-1 by
# default, so they are tried only after UTF-8.
WEAK = frozenset({"iso8859_1", "cp1252", "ascii", "iso8859_15"})
FALLBACKS = ("utf_8", "gb18030", "big5hkscs")
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
BOMS = (
    (codecs.BOM_UTF8, "utf_8"),
    (codecs.BOM_UTF32_LE, "utf_32_le"),
    (codecs.BOM_UTF32_BE, "utf_32_be"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)


@dataclass(frozen=True)
class Decoded:
    """A body as text, with the codec that decoded it and where that choice came from."""

    text: str
    encoding: str | None
    source: str


def normalise(label: str | None) -> str | None:
    """Return Python's canonical codec name for a charset label, or None if unknown."""
    if not label:
        return None
    try:
        label = label.strip().lower()
        name = codecs.lookup(ALIASES.get(label, label)).name
    except LookupError:
        return None
    return name.replace("-", "_")


def http_charset(content_type: str | None) -> str | None:
    """Return the charset parameter of a Content-Type header."""
    match = CHARSET.search(content_type or "")
    return match.group(1) if match else None


def xml_declared(body: bytes) -> str | None:
    """Return the encoding named in the XML declaration."""
    match = XML_ENCODING.match(body[:300])
    return match.group(1).decode("ascii") if match else None


def bom_encoding(body: bytes) -> tuple[str | None, int]:
    """Return the encoding a byte-order mark announces and the mark's length."""
    for mark, name in BOMS:
        if body.startswith(mark):
            return name, len(mark)
    return None, 0


def candidates(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """List (codec, source) in the order to try: BOM, HTTP, XML, UTF-8, GB18030, Big5."""
    ordered: list[tuple[str, str]] = []
    weak: list[tuple[str, str]] = []
    bom, _ = bom_encoding(body)
    declared = [
        (bom, "bom"),
        (normalise(http_charset(content_type)), "http"),
        (normalise(xml_declared(body)), "xml"),
    ]
    for name, source in declared:
        if name is None:
            continue
        if name in WEAK:
            weak.append((name, source))
            continue
        if name in SUPERSETS:
            ordered.append((SUPERSETS[name], source))
        ordered.append((name, source))
    ordered += [(name, "fallback") for name in FALLBACKS[:1]]
    ordered += weak
    ordered += [(name, "fallback") for name in FALLBACKS[1:]]
    seen: set[str] = set()
    unique = []
    for name, source in ordered:
        if name not in seen:
            seen.add(name)
            unique.append((name, source))
    return unique


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a feed body with the first candidate codec that decodes it strictly."""
    _, skip = bom_encoding(body)
    payload = body[skip:]
    for name, source in candidates(body, content_type):
        try:
            return Decoded(payload.decode(name), name, source)
        except (UnicodeDecodeError, LookupError):
            continue
    return Decoded(payload.decode("utf_8", errors="replace"), None, "replace")
