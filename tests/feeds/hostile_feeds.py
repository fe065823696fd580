"""Hostile feeds, one of each class the scanner must contain, and ordinary feeds beside them.

Used by the integration tests and by `bench/feeds_bench.py`. Each hostile feed says what a
scan must make of it: how many signals, which titles and links, whether it is a failure.
Every item of every feed names 受贿 and 采购中心 (a department of the test directory), so
each new story is relevant and becomes a signal.
"""

import gzip
import zlib
from dataclasses import dataclass, field

HOME = "http://cms.example.cn/"
BOMB_BYTES = 64 * 1024 * 1024
PUB = "Mon, 0{day} Jan 2025 10:00:00 +0800"


def item(title: str, *, guid: str | None = None, link: str | None = None,
         summary: str = "", day: int = 1, attrs: str = "") -> str:
    """Return one RSS item; None leaves a tag out."""
    parts = [f"<title>{title}</title>", f"<description>{summary}</description>",
             f"<pubDate>{PUB.format(day=day)}</pubDate>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    return f"<item{attrs}>{''.join(parts)}</item>"


def rss(items: list[str], *, title: str = "舆情", link: str = HOME) -> bytes:
    """Return an RSS 2.0 document around the items."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link>{''.join(items)}</channel></rss>"
    ).encode()


def good_feed(number: int, items: int = 4) -> bytes:
    """Return an ordinary feed: unique guids and links, every item relevant."""
    return rss([
        item(f"源{number}第{i}条：采购中心干部涉嫌受贿", guid=f"good-{number}-{i}",
             link=f"http://news.example.cn/{number}/{i}.html", summary=f"摘要{i}", day=1 + i % 9)
        for i in range(items)
    ])


@dataclass(frozen=True)
class Hostile:
    """A hostile feed and the outcome a scan must give it."""

    body: bytes
    signals: int
    failed: bool = False
    titles: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


def stories(n: int = 5, **fixed: str) -> list[str]:
    """Return n relevant stories with distinct titles and summaries, sharing `fixed` tags."""
    return [
        item(f"通报{i}：采购中心干部受贿", summary=f"第{i}条", day=1 + i, **fixed)
        for i in range(n)
    ]


def slow_body(attributes: int = 30_000) -> bytes:
    """Return a feed feedparser parses in quadratic time (many attributes on one element)."""
    attrs = "".join(f' a{i}="v"' for i in range(attributes))
    return rss([item("慢：采购中心受贿", guid="slow-1", attrs=attrs)])


KINDS = (
    "shared_link", "shared_link_page", "shared_guid", "same_title", "gzip_bomb",
    "deflate_bomb", "slow_parse", "entity_no_items", "bad_charref", "broken_item",
    "content_location",
)


def hostile_feeds(base_url: str) -> dict[str, Hostile]:
    """Return each hostile feed by kind (in KINDS order), to be served at /hostile/<kind>.xml."""
    same_title = [
        item("通知公告：采购中心受贿", summary=f"第{i}条通报", day=1 + i) for i in range(5)
    ]
    return {
        "shared_link": Hostile(rss(stories(link=HOME)), 5),
        "shared_link_page": Hostile(rss(stories(link=f"{HOME}index.html")), 5),
        "shared_guid": Hostile(rss(stories(guid="1", link=HOME)), 5),
        "same_title": Hostile(rss(same_title), 5),
        "gzip_bomb": Hostile(
            gzip.compress(rss(["<!--" + " " * BOMB_BYTES + "-->"]), 9), 0, failed=True,
            headers={"Content-Encoding": "gzip"},
        ),
        "deflate_bomb": Hostile(
            zlib.compress(b" " * BOMB_BYTES, 9), 0, failed=True,
            headers={"Content-Encoding": "deflate"},
        ),
        "slow_parse": Hostile(slow_body(), 0, failed=True),
        "entity_no_items": Hostile(rss([], title="新闻&nbsp;动态 &mdash; 暂无"), 0),
        "bad_charref": Hostile(
            rss([
                item("坏引用&#xD800;：采购中心受贿", guid="c1"),
                item("空字符&#0;：采购中心受贿", guid="c2"),
                item("越界&#99999999;：采购中心受贿", guid="c3"),
                item("正常：采购中心受贿", guid="c4"),
            ]),
            4, titles=("坏引用\ufffd：采购中心受贿", "正常：采购中心受贿"),
        ),
        "broken_item": Hostile(
            rss([
                item("好一：采购中心受贿", guid="b1"),
                "<item><title>坏：采购中心受贿</titl><guid>b2</guid></item>",
                item("好二：采购中心受贿", guid="b3"),
            ]),
            2, titles=("好一：采购中心受贿", "好二：采购中心受贿"),
        ),
        "content_location": Hostile(
            rss([item("相对链接：采购中心受贿", guid="r1", link="a/1.html")]),
            1, links=(f"{base_url}/news/a/1.html",),
            headers={"Content-Location": "/news/index.xml"},
        ),
    }


def serve_hostile(server: object, base_url: str) -> dict[str, Hostile]:
    """Add every hostile feed to a FeedServer's extra documents; return them by kind."""
    feeds = hostile_feeds(base_url)
    for kind, feed in feeds.items():
        server.extra[f"/hostile/{kind}.xml"] = (200, feed.body, dict(feed.headers))  # type: ignore[attr-defined]
    return feeds
