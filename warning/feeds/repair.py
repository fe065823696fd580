"""Repair what makes feedparser lose a whole feed for one bad character, and split items.

Measured on feedparser 6.0: a character reference to a surrogate (`&#xD800;`) or past
U+10FFFF raises out of `feedparser.parse` (the feed is lost), `&#0;` is bozo and lands a
NUL in the text, and an HTML entity that XML does not define (`&nbsp;` in a title) is
bozo, which on an item-less feed looked like a broken feed. So before parsing: numeric
references to characters XML forbids become U+FFFD, raw control characters XML forbids are
dropped, and named references XML does not define become their character (HTML5 names)
or literal text (unknown names); CDATA sections and entities the document declares itself
are left alone.

`split_items` cuts a document into one document per `<item>`/`<entry>`, each with the
feed's head and tail, so that a feed broken inside one item can be parsed item by item and
lose only that item. The documents are built one at a time: the head and tail are copied
once per item, and a 1 MB head around 2,000 items would otherwise be 2 GB at once.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.entities import html5

XML_NAMED = frozenset({"amp", "lt", "gt", "quot", "apos"})
CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
REFERENCE = re.compile(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9._-]*);")
DECLARED = re.compile(r"<!ENTITY\s+(?:%\s+)?([^\s%]+)")
FORBIDDEN_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ITEM = re.compile(r"<((?:[\w.-]+:)?(?:item|entry))[\s>].*?</\1\s*>", re.DOTALL)
REPLACEMENT = "&#xFFFD;"


def xml_char(code: int) -> bool:
    """Tell whether XML 1.0 allows the character with this code point."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def repair(text: str) -> str:
    """Return the document with bad references and forbidden characters made harmless."""
    if "&" not in text and not FORBIDDEN_CONTROLS.search(text):
        return text
    declared = frozenset(DECLARED.findall(text[:65536])) if "<!ENTITY" in text else frozenset()

    def fix(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#"):
            try:
                code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            except ValueError:
                return REPLACEMENT
            return match.group(0) if xml_char(code) else REPLACEMENT
        if name in XML_NAMED or name in declared:
            return match.group(0)
        character = html5.get(name + ";")
        if character is None:
            return "&amp;" + name + ";"
        return "".join(f"&#{ord(c)};" for c in character)

    parts = CDATA.split(FORBIDDEN_CONTROLS.sub("", text))
    for index in range(0, len(parts), 2):  # odd indices are CDATA sections
        parts[index] = REFERENCE.sub(fix, parts[index])
    return "".join(parts)


@dataclass(frozen=True)
class Pieces:
    """A document cut at its items: the head before the first, the items, the tail."""

    head: str
    items: tuple[str, ...]
    tail: str

    def __len__(self) -> int:
        return len(self.items)

    @property
    def repeated(self) -> int:
        """Return how many characters the item documents copy beyond the items themselves."""
        return (len(self.head) + len(self.tail)) * len(self.items)

    def documents(self) -> Iterator[str]:
        """Yield one document per item, each with the feed's head and tail."""
        for item in self.items:
            yield self.head + item + self.tail


def split_items(text: str) -> Pieces:
    """Cut a document into its head, its items or entries, and its tail."""
    found = list(ITEM.finditer(text))
    if not found:
        return Pieces("", (), "")
    head, tail = text[: found[0].start()], text[found[-1].end() :]
    return Pieces(head, tuple(match.group(0) for match in found), tail)
