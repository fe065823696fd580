"""Parse a feed body into items with feedparser, Chinese encodings decoded correctly.

Identity and edits: an item's `key` (see `warning.feeds.identity` for the rule: guid, link,
title or content, whichever is unique within the fetch) says which story it is; its
`content_hash` says what it currently reads. An entry whose key was already seen but whose
content_hash changed counts as `edited`, never as a new signal: sites re-publish the same
story with a corrected typo, a new summary or a bumped date, and treating each revision as
a fresh 舆情 signal would issue duplicate warnings for one event. The caller keeps the new
hash so the next scan sees the item unchanged; whether an edit deserves attention is for
the rules on the stored signal to decide.

Bad input loses as little as possible: the body is repaired first (`warning.feeds.repair`);
a document still broken in its XML is parsed again item by item, so one bad item loses only
itself; a feed with a feed root and no items is a feed with nothing new, not a failure.
"""

import calendar
import hashlib
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from html import unescape
from html.parser import HTMLParser
from typing import Any
from xml.sax import SAXException

import feedparser

from warning.feeds.encoding import decode_body
from warning.feeds.identity import EntryFacts, Identity, assign
from warning.feeds.repair import Pieces, repair, split_items

BLOCK_TAGS = frozenset(
    [
        "br",
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "table",
        "hr",
        "pre",
    ]
)
SKIPPED_TAGS = frozenset(["script", "style", "head", "title", "noscript", "template"])
WHITESPACE = re.compile(r"\s+")
HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
# Past this many items a broken feed keeps its lenient whole-document parse: item by item
# costs a feedparser run per item (4 ms each on a loaded 2-core machine), and 2,000 of
# them stay well inside the default 30 s parse limit.
MAX_PIECES = 2_000
# Each item is parsed inside the feed's head and tail; past this many characters of copied
# head and tail in all (2,000 items under a 4,000-character head) the work grows with
# head x items, so the lenient whole-document parse is kept instead.
MAX_REPEATED = 8_000_000


class ParseStatus(StrEnum):
    """How well a body parsed."""

    OK = "ok"
    BOZO = "bozo"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed, as plain text."""

    key: str
    guid: str | None
    link: str | None
    title: str
    summary_text: str
    published_at: datetime | None
    content_hash: str
    alias: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed body: its items, the codec used, and why it was bozo or malformed."""

    status: ParseStatus
    items: tuple[FeedItem, ...]
    encoding: str | None
    title: str = ""
    version: str = ""
    reason: str | None = None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Strip tags, scripts and styles from HTML, unescape entities and collapse spaces."""
    if "<" not in markup and "&" not in markup:
        return WHITESPACE.sub(" ", markup).strip()
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = unescape("".join(extractor.parts))
    return WHITESPACE.sub(" ", text).strip()


def item_key(guid: str | None, link: str | None, title: str) -> str:
    """Return a lone item's identity: guid, else link, else sha256 of its title."""
    identity = assign([EntryFacts(guid, link, title, "", "")])[0]
    assert identity is not None
    return identity.key


def content_hash(title: str, summary_text: str) -> str:
    """Hash what the rules read of an item, so edits can be told from repeats."""
    return hashlib.sha256(f"{title}\n{summary_text}".encode()).hexdigest()


def _utc(parsed: time.struct_time | None) -> datetime | None:
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _summary_markup(entry: Any) -> str:
    summary = entry.get("summary")
    if summary:
        return str(summary)
    for content in entry.get("content") or ():
        if content.get("value"):
            return str(content["value"])
    return ""


def _facts(entry: Any) -> tuple[EntryFacts, str]:
    guid = str(entry.get("id") or "").strip() or None
    link = str(entry.get("link") or "").strip() or None
    title = html_to_text(str(entry.get("title") or ""))
    summary_text = html_to_text(_summary_markup(entry))
    published = str(entry.get("published") or entry.get("updated") or "")
    return EntryFacts(guid, link, title, published, summary_text), summary_text


def to_item(entry: Any, identity: Identity | None = None) -> FeedItem:
    """Turn one feedparser entry into a FeedItem (keyed alone unless `identity` is given)."""
    facts, summary_text = _facts(entry)
    if identity is None:
        identity = Identity(item_key(facts.guid, facts.link, facts.title))
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return FeedItem(
        key=identity.key,
        guid=facts.guid,
        link=facts.link,
        title=facts.title,
        summary_text=summary_text,
        published_at=_utc(published),
        content_hash=content_hash(facts.title, summary_text),
        alias=identity.alias,
    )


def parse_feed(
    body: bytes, content_type: str | None = None, *, base_url: str | None = None,
    feed_url: str | None = None,
) -> ParsedFeed:
    """Parse a feed body, honouring the HTTP charset, into items or a malformed result.

    `base_url` resolves relative links (the server's Content-Location, else the feed's
    address); `feed_url` is the feed's address, never an item's identity.
    """
    decoded = decode_body(body, content_type)
    text = repair(decoded.text)
    try:
        result = _parse(text, base_url)
        entries, lost = list(result.entries), 0
        if _broken_xml(result) and _worth_splitting(pieces := split_items(text)):
            entries, lost = _item_by_item(pieces, base_url)
    except Exception as error:  # feedparser is lenient, but a crash is still bad content
        reason = f"解析器出错 ({type(error).__name__}: {error})"
        return ParsedFeed(ParseStatus.MALFORMED, (), decoded.encoding, reason=reason)
    homes = [str(result.feed.get("link") or ""), feed_url or "", base_url or ""]
    items = _unique_items(entries, homes)
    version = str(result.get("version") or "")
    title = html_to_text(str(result.feed.get("title") or ""))
    reason = _bozo_reason(result)
    if lost:
        reason = f"{lost} 条条目无法解析，已跳过 ({lost} item(s) unreadable); {reason}"
    if not items and not version:
        return ParsedFeed(
            ParseStatus.MALFORMED, (), decoded.encoding, title, version, _malformed(body, reason)
        )
    status = ParseStatus.BOZO if reason else ParseStatus.OK
    return ParsedFeed(status, items, decoded.encoding, title, version, reason)


def _parse(text: str, base_url: str | None) -> Any:
    headers = {"content-type": "application/xml; charset=utf-8"}
    if base_url:
        headers["content-location"] = base_url
    # A BytesIO, never raw bytes: feedparser tries bytes as a local file name first.
    return feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=headers)


def _broken_xml(result: Any) -> bool:
    return bool(result.get("bozo")) and isinstance(result.get("bozo_exception"), SAXException)


def _worth_splitting(pieces: Pieces) -> bool:
    return 1 < len(pieces) <= MAX_PIECES and pieces.repeated <= MAX_REPEATED


def _item_by_item(pieces: Pieces, base_url: str | None) -> tuple[list[Any], int]:
    """Parse one document per item; an item that yields no title or link is lost alone."""
    entries: list[Any] = []
    lost = 0
    for piece in pieces.documents():
        found = _parse(piece, base_url).entries
        if found and (found[0].get("title") or found[0].get("link")):
            entries.append(found[0])
        else:
            lost += 1
    return entries, lost


def _unique_items(entries: list[Any], homes: list[str]) -> tuple[FeedItem, ...]:
    kept = []
    for entry in entries:
        facts, _ = _facts(entry)
        if facts.title or facts.summary or facts.link:
            kept.append((entry, facts))
    identities = assign([facts for _, facts in kept], homes)
    return tuple(
        to_item(entry, identity)
        for (entry, _), identity in zip(kept, identities, strict=True)
        if identity is not None
    )


def _bozo_reason(result: Any) -> str | None:
    if not result.get("bozo"):
        return None
    error = result.get("bozo_exception")
    return f"{type(error).__name__}: {error}" if error else "bozo"


def _malformed(body: bytes, reason: str | None) -> str:
    if not body.strip():
        return "内容为空，不是订阅源 (empty body)"
    if HTML_SNIFF.search(body[:4096]):
        return "返回的是 HTML 网页而不是 RSS/Atom 订阅源 (HTML page, not a feed)"
    detail = reason or "no RSS/Atom root element"
    return f"无法解析的内容，不是 RSS/Atom 订阅源 ({detail})"
