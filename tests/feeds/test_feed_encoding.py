"""Feeds that lie about their charset, or say nothing, still decode to the right Chinese."""

import asyncio

import pytest
from feed_samples import GB18030_ONLY, GBK_ONLY, SIMPLIFIED, SUMMARY_TEXT, TRADITIONAL

from warning.feeds.encoding import decode_body
from warning.feeds.fetch import FeedState, FetchResult, fetch_feed, make_client
from warning.feeds.parse import ParseStatus, parse_feed

# What a server may claim: nothing, UTF-8, a Chinese charset, or Java's default.
LABELS = ["none", "utf-8", "gbk", "gb2312", "big5", "ISO-8859-1"]
# file -> (title, summary, codec that must be chosen); none has an XML declaration.
SILENT = {
    "silent_gbk.xml": (f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_TEXT, "gb18030"),
    "silent_gb18030.xml": (f"{SIMPLIFIED} {GB18030_ONLY}", SUMMARY_TEXT, "gb18030"),
    "silent_big5.xml": (TRADITIONAL, "舉報稱採購部經理", "big5hkscs"),
    "silent_utf8_bom.xml": (SIMPLIFIED, SUMMARY_TEXT, "utf_8"),
    "silent_utf8.xml": (SIMPLIFIED, SUMMARY_TEXT, "utf_8"),
    "silent_gbk_stray_byte.xml": (f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_TEXT, "gb18030"),
}


def fetch(url: str) -> FetchResult:
    """Fetch one URL from the loopback server."""

    async def go() -> FetchResult:
        async with make_client() as client:
            return await fetch_feed(client, FeedState(url=url))

    return asyncio.run(go())


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_lying_or_silent_charset_still_gives_the_chinese_title(
    base_url: str, name: str, label: str
) -> None:
    title, summary, encoding = SILENT[name]
    result = fetch(f"{base_url}/charset/{label}/{name}")
    assert result.has_body, result.error
    assert (label == "none") is ("charset" not in (result.content_type or ""))
    parsed = parse_feed(result.body, result.content_type, base_url=result.url)
    assert parsed.status is ParseStatus.OK, parsed.reason
    assert parsed.encoding == encoding
    assert [item.title for item in parsed.items] == [title]
    assert parsed.items[0].summary_text == summary


def test_how_each_lie_was_seen_through(base_url: str) -> None:
    big5 = fetch(f"{base_url}/charset/gbk/silent_big5.xml")
    assert decode_body(big5.body, big5.content_type).source == "detected"
    gbk = fetch(f"{base_url}/charset/utf-8/silent_gbk.xml")
    assert decode_body(gbk.body, gbk.content_type).source == "detected"
    honest = fetch(f"{base_url}/charset/gbk/silent_gbk.xml")
    assert decode_body(honest.body, honest.content_type).source == "http"
    bom = fetch(f"{base_url}/charset/big5/silent_utf8_bom.xml")
    assert decode_body(bom.body, bom.content_type).source == "bom"
    stray = fetch(f"{base_url}/charset/utf-8/silent_gbk_stray_byte.xml")
    decoded = decode_body(stray.body, stray.content_type)
    assert decoded.source == "replace" and decoded.text.count("\ufffd") == 1


def test_binary_garbage_decodes_without_raising() -> None:
    decoded = decode_body(bytes(range(256)) * 16, "text/xml; charset=big5")
    assert decoded.source == "replace" and isinstance(decoded.text, str)


# Short feeds: one item, a few characters. charset-normalizer scores the GBK bytes of
# "采购中心干部受贿" as well for Korean (cp949) and Japanese (cp932) as for GB18030, and
# took cp949 by its own order: the title became "꽃뭔櫓懃맴꼬肝삐", no keyword matched,
# and the story was dropped without an error.
SHORT = ["采购中心干部受贿", "水费减免：某科长为亲属违规办理", "关于采购中心违规收受礼品礼金的通报"]


@pytest.mark.parametrize("label", [None, "utf-8", "ISO-8859-1"])
@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
@pytest.mark.parametrize("title", SHORT)
def test_a_short_gbk_feed_that_says_nothing_or_utf8_decodes_as_chinese(
    title: str, codec: str, label: str | None
) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        f"<item><title>{title}</title><guid>1</guid></item></channel></rss>"
    ).encode(codec)
    parsed = parse_feed(body, f"text/xml; charset={label}" if label else "text/xml")
    assert [item.title for item in parsed.items] == [title]
    assert parsed.encoding == "gb18030"


@pytest.mark.parametrize(("codec", "title", "label"), [
    ("gbk", "采购中心干部受贿", "big5"),
    ("gb18030", "水费减免：某科长为亲属违规办理", "big5"),
    ("big5", "採購中心受賄", "gbk"),
    ("big5", "採購中心受賄", "gb2312"),
])
def test_a_short_feed_labelled_with_the_other_chinese_charset_decodes_right(
    codec: str, title: str, label: str
) -> None:
    # The label's decode read clean enough to be "plausible" to the detector, though
    # less clean than the true one: 采购中心干部受贿 became 粒劃笢陑補窒忳鞅.
    body = (
        f'<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel><title>x</title>'
        f"<item><title>{title}</title><guid>1</guid></item></channel></rss>"
    ).encode(codec)
    parsed = parse_feed(body, f"text/xml; charset={label}")
    assert [item.title for item in parsed.items] == [title]
