"""Entry identity: every way a feed can reuse guids, links or titles keeps stories apart."""

import itertools

from warning.feeds.identity import EntryFacts, assign
from warning.feeds.parse import parse_feed

HOME = "http://cms.example.cn/"


def rss(items: list[dict[str, str]], link: str = HOME) -> bytes:
    """Build an RSS document from items given as {tag: text}."""
    body = "".join(
        "<item>" + "".join(f"<{tag}>{text}</{tag}>" for tag, text in item.items()) + "</item>"
        for item in items
    )
    return (
        f'<rss version="2.0"><channel><title>t</title><link>{link}</link>{body}</channel></rss>'
    ).encode()


# Every combination of a shared/unique/missing guid and link, with distinct titles and
# summaries; a guid or link "home" points at the site's home page.
def stories(guid: str, link: str, title: str, n: int = 4) -> list[dict[str, str]]:
    items = []
    for i in range(n):
        item = {"title": f"标题{i}" if title == "unique" else "通知公告",
                "description": f"第{i}条", "pubDate": f"Mon, 0{i + 1} Jan 2025 10:00:00 GMT"}
        if guid != "missing":
            item["guid"] = {"unique": f"g{i}", "shared": "g", "home": HOME}[guid]
        if link != "missing":
            item["link"] = {"unique": f"{HOME}a/{i}.html", "shared": f"{HOME}index.html",
                            "home": HOME}[link]
        items.append(item)
    return items


def test_distinct_stories_keep_distinct_keys_whatever_the_feed_reuses() -> None:
    kinds = ("unique", "shared", "home", "missing")
    for guid, link, title in itertools.product(kinds, kinds, ("unique", "shared")):
        items = parse_feed(rss(stories(guid, link, title))).items
        assert len({item.key for item in items}) == 4, (guid, link, title)


def test_keys_are_stable_across_fetches_and_edits_keep_a_unique_guid() -> None:
    first = parse_feed(rss(stories("unique", "shared", "shared")))
    edited_items = stories("unique", "shared", "shared")
    edited_items[0]["description"] = "更正"
    second = parse_feed(rss(edited_items + stories("unique", "shared", "shared", 6)[4:]))
    assert [i.key for i in first.items] == [i.key for i in second.items][:4]
    assert first.items[0].content_hash != second.items[0].content_hash  # edited, same story
    assert len(second.items) == 6


def test_a_link_that_stops_being_unique_is_kept_as_alias() -> None:
    before = parse_feed(rss([{"title": "甲", "link": f"{HOME}a.html"}])).items
    after = parse_feed(rss([{"title": "甲", "link": f"{HOME}a.html"},
                            {"title": "乙", "link": f"{HOME}a.html"}])).items
    assert before[0].key == f"{HOME}a.html"
    assert {i.alias for i in after} == {before[0].key}
    assert len({i.key for i in after}) == 2


def test_exact_repeats_fold_and_lone_items_keep_the_old_keys() -> None:
    facts = EntryFacts("g", None, "t", "", "")
    assert assign([facts, facts])[1] is None
    assert assign([EntryFacts(None, "http://x/a", "t", "", "")])[0].key == "http://x/a"


def test_the_hostile_kinds_list_names_every_hostile_feed() -> None:
    from hostile_feeds import KINDS, hostile_feeds

    assert tuple(hostile_feeds("http://x")) == KINDS
