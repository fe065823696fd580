"""Parsing: Chinese encodings over real HTTP, bozo feeds, HTML and garbage, item fields."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feed_samples import (
    GB18030_ONLY,
    GBK_ONLY,
    SIMPLIFIED,
    SUMMARY_TEXT,
    TRADITIONAL,
    samples,
)

from warning.feeds.encoding import decode_body
from warning.feeds.fetch import FeedState, FetchResult, fetch_feed, make_client
from warning.feeds.parse import (
    MAX_REPEATED,
    ParsedFeed,
    ParseStatus,
    html_to_text,
    item_key,
    parse_feed,
)
from warning.feeds.repair import split_items

DATA = Path(__file__).parent / "data"


def fetch_and_parse(url: str) -> ParsedFeed:
    """Fetch over HTTP and parse with the response's Content-Type."""

    async def go() -> FetchResult:
        async with make_client() as client:
            return await fetch_feed(client, FeedState(url=url))

    result = asyncio.run(go())
    assert result.has_body, result.error
    return parse_feed(result.body, result.content_type, base_url=url)


@pytest.mark.parametrize(
    ("path", "title", "summary", "encoding"),
    [
        ("/rss_utf8_bom.xml", SIMPLIFIED, SUMMARY_TEXT, "utf_8"),
        ("/rss_gbk.xml", f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_TEXT, "gb18030"),
        ("/rss_gbk_nodecl.xml", SIMPLIFIED, SUMMARY_TEXT, "gb18030"),
        ("/rss_gbk_latin1_header.xml", f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_TEXT, "gb18030"),
        ("/rss_gb2312_lie.xml", f"{SIMPLIFIED} {GBK_ONLY} {GB18030_ONLY}", SUMMARY_TEXT, "gb18030"),
        (
            "/rss_gb2312_lie_header.xml",
            f"{SIMPLIFIED} {GBK_ONLY} {GB18030_ONLY}",
            SUMMARY_TEXT,
            "gb18030",
        ),
        ("/rss_gb18030.xml", f"{SIMPLIFIED} {GB18030_ONLY}", SUMMARY_TEXT, "gb18030"),
        ("/rss_big5.xml", TRADITIONAL, "舉報稱採購部經理", "big5hkscs"),
    ],
)
def test_chinese_encodings_decode_to_the_expected_text(
    base_url: str, path: str, title: str, summary: str, encoding: str
) -> None:
    parsed = fetch_and_parse(base_url + path)
    assert parsed.status is ParseStatus.OK, parsed.reason
    assert parsed.encoding == encoding
    assert [item.title for item in parsed.items] == [title]
    assert parsed.items[0].summary_text == summary


def test_rss_and_atom_utf8(base_url: str) -> None:
    rss = fetch_and_parse(f"{base_url}/rss_utf8.xml")
    atom = fetch_and_parse(f"{base_url}/atom_utf8.xml")
    assert rss.version == "rss20" and atom.version == "atom10"
    assert [i.title for i in rss.items] == [i.title for i in atom.items]
    assert rss.items[0].title == "某市交通局局长张伟涉嫌受贿被查"
    assert rss.items[0].key == "a1" and atom.items[0].key == "urn:example:a1"
    expected = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    assert rss.items[0].published_at == expected == atom.items[0].published_at


def test_bozo_feed_keeps_its_good_entries(base_url: str) -> None:
    parsed = fetch_and_parse(f"{base_url}/rss_bozo.xml")
    assert parsed.status is ParseStatus.BOZO
    assert parsed.reason and "SAXParseException" in parsed.reason
    assert [item.key for item in parsed.items] == ["b1", "b2"]
    assert parsed.items[1].title == "第二条正常条目"


def test_html_page_is_malformed(base_url: str) -> None:
    parsed = fetch_and_parse(f"{base_url}/page.html")
    assert parsed.status is ParseStatus.MALFORMED
    assert parsed.items == ()
    assert parsed.reason and "HTML" in parsed.reason


def test_garbage_is_malformed(base_url: str) -> None:
    parsed = fetch_and_parse(f"{base_url}/garbage")
    assert parsed.status is ParseStatus.MALFORMED
    assert parsed.items == ()
    assert parsed.reason and "无法解析" in parsed.reason


def test_empty_body_is_malformed() -> None:
    assert parse_feed(b"").status is ParseStatus.MALFORMED


def test_a_body_naming_a_local_file_is_not_read_as_that_file(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes((DATA / "rss_utf8.xml").read_bytes())
    parsed = parse_feed(str(secret).encode())
    assert parsed.status is ParseStatus.MALFORMED


def test_committed_samples_match_the_generator() -> None:
    for name, content in samples().items():
        assert (DATA / name).read_bytes() == content, name


def test_html_to_text_strips_tags_scripts_and_entities() -> None:
    markup = "<p>采购部&amp;财务部</p><script>alert(1)</script><div>张伟&nbsp;受贿</div><br/>x"
    assert html_to_text(markup) == "采购部&财务部 张伟\xa0受贿 x".replace("\xa0", " ")
    assert html_to_text("plain   text") == "plain text"
    assert html_to_text("a &lt;b&gt; c") == "a <b> c"


def test_item_key_falls_back_from_guid_to_link_to_hash() -> None:
    assert item_key("g", "http://l/a/1", "t") == "g"
    assert item_key(None, "http://l/a/1", "t") == "http://l/a/1"
    hashed = item_key(None, None, "标题")
    assert hashed.startswith("sha256:") and hashed == item_key(None, None, "标题")
    assert hashed != item_key(None, None, "别的标题")


def test_item_without_guid_uses_link_and_edits_change_the_hash() -> None:
    template = (
        '<rss version="2.0"><channel><item><title>{t}</title>'
        "<link>http://a/1</link><description>{d}</description></item></channel></rss>"
    )
    first = parse_feed(template.format(t="张伟", d="一").encode()).items[0]
    edited = parse_feed(template.format(t="张伟", d="二").encode()).items[0]
    assert first.key == edited.key == "http://a/1"
    assert first.content_hash != edited.content_hash


def test_an_item_listed_twice_is_kept_once() -> None:
    item = "<item><guid>g1</guid><title>{}</title></item>"
    body = f'<rss version="2.0"><channel>{item.format("甲")}{item.format("甲")}</channel></rss>'
    assert [i.title for i in parse_feed(body.encode()).items] == ["甲"]


def test_utf8_is_preferred_over_a_latin1_header() -> None:
    body = '<?xml version="1.0"?><rss><channel><title>清风</title></channel></rss>'.encode()
    assert decode_body(body, "text/xml; charset=ISO-8859-1").encoding == "utf_8"


def test_an_item_less_feed_is_never_malformed_however_bozo() -> None:
    bodies = [
        b'<rss version="2.0"><channel><title>t</title>',  # truncated
        b'<rss version="2.0"><channel><title>a &nbsp; &bogus; b</title></channel></rss>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t &#xD800;</title></feed>',
    ]
    for body in bodies:
        parsed = parse_feed(body)
        assert parsed.status is not ParseStatus.MALFORMED and parsed.items == (), body
    page = b"<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>"
    assert parse_feed(page).status is ParseStatus.MALFORMED



def broken_feed(head_chars: int, items: int) -> str:
    """Return an RSS document with a long channel description, items and one broken item."""
    entries = "".join(f"<item><title>条目{i}</title><guid>g{i}</guid></item>" for i in range(items))
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<description>{'长' * head_chars}</description>{entries}"
        "<item><title>坏</titl></item></channel></rss>"
    )


def test_items_are_split_without_copying_the_head_for_each() -> None:
    # Item by item, each item is parsed with the feed's head and tail around it: with a
    # 1 MB channel description and 2,000 items in a 5 MB body, building every such
    # document at once was 2 GB of copies in the parse worker.
    text = broken_feed(40_000, 50)
    pieces = split_items(text)
    assert len(pieces) == 51
    kept = len(pieces.head) + sum(map(len, pieces.items)) + len(pieces.tail)
    assert kept <= len(text)
    first = next(pieces.documents())
    assert first.startswith(pieces.head) and "条目0" in first and first.endswith(pieces.tail)


def test_a_broken_feed_whose_head_repeated_is_too_large_is_parsed_whole() -> None:
    text = broken_feed(10_000, 1_000)
    assert split_items(text).repeated > MAX_REPEATED
    parsed = parse_feed(text.encode(), None)
    assert parsed.status is ParseStatus.BOZO and len(parsed.items) >= 1_000
    assert "无法解析，已跳过" not in (parsed.reason or "")
