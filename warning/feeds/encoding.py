"""Choose the character encoding of a feed body, Chinese encodings first-class.

feedparser's own fallback chain ends in windows-1252, which decodes any bytes and so
turns a mislabelled GBK or Big5 feed into mojibake while reporting success. The encoding
is therefore chosen here and feedparser is told it as the charset.

Servers lie: a GBK or Big5 body is often sent as `charset=utf-8`, with no charset, or
with the wrong Chinese charset, and without an XML declaration. A strict decode catches
most lies (GBK is rarely valid UTF-8), but the legacy Chinese codecs accept each other's
bytes: Big5 decodes "successfully" as GB18030, into nonsense. So a declared legacy codec
is kept only if charset-normalizer (a detector that scores each decode for mess and
language coherence) does not rule it out, and an undeclared or ruled-out body is decoded
with the detector's choice. UTF-8 needs no check: legacy bytes are almost never valid UTF-8.
"""

import codecs
import re
from dataclasses import dataclass, field

from charset_normalizer import CharsetMatches, from_bytes
from charset_normalizer.md import mess_ratio
from charset_normalizer.utils import is_multi_byte_encoding

# A declared legacy Chinese encoding is decoded with its superset: feeds that declare
# gb2312 routinely contain GBK or GB18030-only characters (e.g. 镕, 喆, 堃), and Big5 feeds
# carry HKSCS characters.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf_8",
}
ALIASES = {"x-gbk": "gbk", "x-gb18030": "gb18030", "gb_2312-80": "gb2312", "x-big5": "big5"}
# Single-byte Western labels decode anything, and Java servers send ISO-8859-1 by
# default, so they are tried only after UTF-8 and detection.
WEAK = frozenset({"iso8859_1", "cp1252", "ascii", "iso8859_15"})
# A strict decode with these is evidence enough that the label is right.
UNICODE = frozenset({"utf_8", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le",
                     "utf_32_be"})
CHINESE = ("utf_8", "gb18030", "big5hkscs")
# What a tie in the detector's score is broken towards, first first.
PREFERRED = (*CHINESE, "utf_16", "utf_32")
# A body that no codec decodes strictly (one stray byte in a GBK feed) is decoded with
# replacement by the codec that damages least, if it damages at most this share of the
# non-ASCII characters.
DAMAGE_LIMIT = 0.05
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
    """A body as text, with the codec that decoded it and where that choice came from.

    `source` is bom, http, xml (a declaration believed), fallback (UTF-8 or a Chinese
    codec tried blind), detected (charset-normalizer's choice) or replace (no codec
    decoded it strictly; the least damaging one was used with U+FFFD for bad bytes).
    """

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


def family(name: str) -> str:
    """Return the codec a label is decoded with: its superset, or itself."""
    return SUPERSETS.get(name, name)


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


def declared(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """List the (codec, source) pairs the HTTP header and XML declaration name, supersets first."""
    found: list[tuple[str, str]] = []
    for label, source in ((http_charset(content_type), "http"), (xml_declared(body), "xml")):
        name = normalise(label)
        if name is None:
            continue
        if name in SUPERSETS and name != "ascii":
            found.append((SUPERSETS[name], source))
        found.append((name, source))
    unique: dict[str, str] = {}
    for name, source in found:
        unique.setdefault(name, source)
    return list(unique.items())


@dataclass
class _Detector:
    """charset-normalizer's verdict on a payload, computed once and only if asked."""

    payload: bytes
    _matches: CharsetMatches | None = field(default=None, init=False)

    @property
    def matches(self) -> CharsetMatches:
        if self._matches is None:
            try:
                self._matches = from_bytes(self.payload)
            except Exception:  # a detector bug must not stop the scan: decide without it
                self._matches = CharsetMatches()
        return self._matches

    def allows(self, name: str) -> bool:
        """Tell whether `name` reads as clean as the detector's cleanest codecs.

        Merely plausible is not enough: the Big5 decode of a short GBK body reads with some
        mess yet passes as plausible, and a label naming the other Chinese charset won.
        """
        matches = list(self.matches)
        if not matches:
            return True
        plausible = set()
        cleanest = min(match.chaos for match in matches)
        for match in matches:
            if match.chaos > cleanest:
                continue
            for label in (match.encoding, *match.could_be_from_charset):
                if (known := normalise(label)) is not None:
                    plausible.add(family(known))
        return family(name) in plausible

    def best(self) -> str | None:
        """Return the detector's codec (as its superset), or None when it finds no text.

        On a short body several codecs read equally clean (the GBK bytes of "采购中心干部受贿"
        score as well for Korean and Japanese as for GB18030) and the detector's own order
        decides; among those tied for the least mess, a Chinese or Unicode codec wins.
        """
        matches = list(self.matches)
        if not matches:
            return None
        cleanest = min(match.chaos for match in matches)
        tied = [family(name) for match in matches
                if match.chaos <= cleanest and (name := normalise(match.encoding))]
        preferred = [name for name in PREFERRED if name in tied]
        return preferred[0] if preferred else (tied[0] if tied else None)


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a feed body: BOM, a believable declaration, UTF-8, detection, least damage."""
    bom, skip = bom_encoding(body)
    payload = body[skip:]
    if bom is not None and (text := _strict(payload, bom)) is not None:
        return Decoded(text, bom, "bom")
    named = declared(body, content_type)
    strong = [(name, source) for name, source in named if name not in WEAK]
    detector = _Detector(payload)
    for name, source in strong:
        text = _strict(payload, name)
        if text is not None and (name in UNICODE or detector.allows(name)):
            return Decoded(text, name, source)
    if (text := _strict(payload, "utf_8")) is not None:
        return Decoded(text, "utf_8", "fallback")
    guess = detector.best()
    text = _strict(payload, guess) if guess is not None and _multi_byte(guess) else None
    if guess is not None and text is not None:
        return Decoded(text, guess, "detected")
    if guess is None:
        for name in CHINESE[1:]:
            if (text := _strict(payload, name)) is not None:
                return Decoded(text, name, "fallback")
    damaged = _least_damaged(payload, [name for name, _ in strong] + list(CHINESE))
    if damaged is not None:
        return damaged
    for name, source in named:
        if name in WEAK and (text := _strict(payload, name)) is not None:
            return Decoded(text, name, source)
    if guess is not None and (text := _strict(payload, guess)) is not None:
        return Decoded(text, guess, "detected")
    return Decoded(payload.decode("utf_8", errors="replace"), None, "replace")


def _strict(payload: bytes, name: str) -> str | None:
    try:
        return payload.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _multi_byte(name: str) -> bool:
    return name in UNICODE or is_multi_byte_encoding(name)


def _least_damaged(payload: bytes, names: list[str]) -> Decoded | None:
    """Decode with replacement by the codec that reads best among those that replace little."""
    best: tuple[float, float, str, str] | None = None
    for name in dict.fromkeys(names):
        try:
            text = payload.decode(name, errors="replace")
        except LookupError:
            continue
        wide = sum(1 for ch in text if ord(ch) > 127)
        damage = text.count("\ufffd") / max(1, wide)
        if damage > DAMAGE_LIMIT:
            continue
        # Legacy codecs both survive a stray byte; the detector's mess score tells
        # Big5 read as GBK (and the reverse) from the real thing.
        score = (mess_ratio(text, maximum_threshold=1.0), damage, name, text)
        if best is None or score[:2] < best[:2]:
            best = score
    return None if best is None else Decoded(best[3], best[2], "replace")
