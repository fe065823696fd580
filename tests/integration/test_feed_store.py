"""Feed scans stored: entries once, signals with subjects, 304/301/410, failures, run log.

Against the real loopback feed server and both databases. Edits are a documented choice:
an entry seen before whose text changed counts `edited`, updates its stored hash and never
becomes a second signal.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.feeds.feed_server import ETAG, FeedHandler, FeedServer, stop_server
from tests.support import DATA
from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.models import Channel, Department, FeedEntry, Notice, Person, ScanRun, Signal
from warning.feeds.service import scan_now
from warning.feeds.store import entry_key
from warning.runtime import Runtime

ITEM = """<item><title>{title}</title><guid isPermaLink="false">{slug}</guid>
<description>{summary}</description><pubDate>Mon, 06 Jan 2025 10:00:00 +0800</pubDate></item>"""


def rss(*items: tuple[str, str, str]) -> bytes:
    """Build an RSS document from (slug, title, summary) triples."""
    body = "".join(ITEM.format(slug=s, title=t, summary=m) for s, t, m in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>\
<title>动态</title>{body}</channel></rss>'.encode()


class DocHandler(FeedHandler):
    """Serve /doc/* from the server's mutable documents, everything else as FeedHandler."""

    server: "DocServer"

    def do_GET(self) -> None:
        """Serve one request."""
        path = self.path.split("?", 1)[0]
        if path not in self.server.docs:
            super().do_GET()
            return
        self.server.hits.append(self.path)
        self._send(200, self.server.docs[path], "application/rss+xml; charset=utf-8")


class DocServer(FeedServer):
    """The shared feed server plus documents a test may change between scans."""

    def __init__(self) -> None:
        super().__init__()
        self.RequestHandlerClass = DocHandler
        self.docs: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[DocServer]:
    """Run the loopback feed server for this module."""
    import threading

    srv = DocServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    stop_server(srv, thread)


@pytest.fixture
def rt(runtime: Runtime, server: DocServer) -> Runtime:
    """The runtime with 交通局 and 张伟 in the directory, as named by the sample feeds."""
    server.hits.clear()
    server.docs.clear()
    with runtime.sessions() as session, session.begin():
        unit_id = session.scalar(select(Department.unit_id).limit(1))
        department = Department(unit_id=unit_id, code="JTJ", name="交通局")
        session.add(department)
        session.flush()
        session.add(Person(name="张伟", department_id=department.id))
    return runtime


def add_feeds(rt: Runtime, feeds: dict[str, str], keywords: tuple[str, ...] = ("受贿",)) -> None:
    """Sync the test channels plus one feed channel per code -> URL."""
    definitions = load_channels(DATA / "channels") + [
        ChannelDefinition.model_validate(
            {"id": code, "name": f"舆情 {code}", "kind": "feed",
             "feed": {"url": url, "keywords": list(keywords), "timeout_seconds": 2}}
        )
        for code, url in feeds.items()
    ]
    with rt.sessions() as session, session.begin():
        sync_channels(session, definitions)


def channel(rt: Runtime, code: str) -> Channel:
    with rt.sessions() as session:
        return session.scalars(select(Channel).where(Channel.code == code)).one()


def count(rt: Runtime, model: type, *where: object) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def runs(rt: Runtime, code: str) -> list[ScanRun]:
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(ScanRun).join(Channel).where(Channel.code == code).order_by(ScanRun.id)
            )
        )


def test_scan_stores_each_entry_once_with_the_subject(rt: Runtime, server: DocServer) -> None:
    add_feeds(rt, {"news": f"{server.base_url}/rss_utf8.xml"})
    first = scan_now(rt)
    assert (first.fetched, first.new, first.relevant, first.dropped, first.signals) == (
        1, 3, 1, 2, 1,
    )
    with rt.sessions() as session:
        signal = session.scalars(select(Signal)).one()
        department = session.get(Department, signal.department_id)
        assert department is not None and department.code == "JTJ"
        assert signal.person == "张伟"
        assert signal.external_id == entry_key("a1")
        assert signal.title == "某市交通局局长张伟涉嫌受贿被查"
        assert signal.text == "群众举报交通局工程招投标存在问题"
        assert signal.occurred_at is not None and signal.occurred_at.hour == 2
        assert signal.status == "evaluated"
        entries = session.scalars(select(FeedEntry).order_by(FeedEntry.id)).all()
    assert len(entries) == 3
    assert [e.signal_id is not None for e in entries].count(True) == 1
    assert all(e.content_hash for e in entries)  # dropped ones too: key and hash, no text

    second = scan_now(rt, "news")
    assert (second.fetched, second.new, second.dropped, second.signals) == (1, 0, 0, 0)
    assert count(rt, Signal) == 1 and count(rt, FeedEntry) == 3
    logged = runs(rt, "news")
    assert [(r.fetched, r.new, r.relevant, r.dropped, r.signals, r.errors) for r in logged] == [
        (1, 3, 1, 2, 1, 0),
        (1, 0, 0, 0, 0, 0),
    ]
    assert all(r.status == "ok" and r.finished_at >= r.started_at for r in logged)


def test_edited_entry_counts_edited_not_new(rt: Runtime, server: DocServer) -> None:
    server.docs["/doc/edit.xml"] = rss(
        ("e1", "交通局张伟涉嫌受贿", "初稿"), ("e2", "无关新闻", "初稿")
    )
    add_feeds(rt, {"edits": f"{server.base_url}/doc/edit.xml"})
    assert scan_now(rt).signals == 1
    server.docs["/doc/edit.xml"] = rss(
        ("e1", "交通局张伟涉嫌受贿", "更正后的摘要"), ("e2", "无关新闻", "更正")
    )
    totals = scan_now(rt)
    assert (totals.new, totals.edited, totals.signals) == (0, 2, 0)
    assert count(rt, Signal) == 1
    assert count(rt, FeedEntry, FeedEntry.edited_at.is_not(None)) == 2
    third = scan_now(rt)
    assert (third.new, third.edited) == (0, 0)
    assert runs(rt, "edits")[1].edited == 2


def test_not_modified_skips_and_moved_url_is_stored(rt: Runtime, server: DocServer) -> None:
    base = server.base_url
    add_feeds(rt, {"cond": f"{base}/conditional.xml", "moved": f"{base}/moved301.xml"})
    scan_now(rt)
    assert channel(rt, "cond").etag == ETAG
    assert channel(rt, "moved").url == f"{base}/rss_utf8.xml"
    server.hits.clear()
    totals = scan_now(rt)
    assert totals.not_modified == 1 and totals.new == 0
    assert "/moved301.xml" not in server.hits and "/rss_utf8.xml" in server.hits
    assert runs(rt, "cond")[-1].not_modified == 1
    assert channel(rt, "cond").last_status == "not_modified"


def test_gone_feed_is_marked_never_fetched_again_and_office_told(
    rt: Runtime, server: DocServer
) -> None:
    add_feeds(rt, {"gone": f"{server.base_url}/gone.xml"})
    assert scan_now(rt).gone == 1
    assert channel(rt, "gone").gone
    with rt.sessions() as session:
        notice = session.scalars(select(Notice)).one()
    assert notice.kind == "feed_gone" and notice.audience == "office"
    assert "410" in notice.body and notice.record_id is None
    assert runs(rt, "gone")[0].notified == "feed_gone"
    server.hits.clear()
    again = scan_now(rt)
    assert again.skipped == 1 and server.hits == []
    assert count(rt, Notice) == 1
    assert runs(rt, "gone")[-1].status == "gone"
    assert "410" in channel(rt, "gone").last_error


def test_bad_feeds_never_stop_the_others(rt: Runtime, server: DocServer) -> None:
    base = server.base_url
    bad = {"garbage": "/garbage", "html": "/page.html", "e500": "/error500", "nf": "/missing"}
    add_feeds(rt, {code: base + path for code, path in bad.items()} | {
        "good": f"{base}/rss_utf8.xml"
    })
    totals = scan_now(rt)
    assert totals.errors == 4 and totals.signals == 1 and totals.store_errors == 0
    for code in bad:
        row = channel(rt, code)
        assert row.consecutive_failures == 1 and row.last_error, code
        assert runs(rt, code)[0].errors == 1
    assert channel(rt, "good").consecutive_failures == 0


def test_failures_are_counted_and_notified_once_past_threshold(
    rt: Runtime, server: DocServer
) -> None:
    add_feeds(rt, {"broken": f"{server.base_url}/error500"})
    for _ in range(4):
        scan_now(rt)
    assert channel(rt, "broken").consecutive_failures == 4
    assert "HTTP 500" in channel(rt, "broken").last_error
    with rt.sessions() as session:
        notices = session.scalars(select(Notice)).all()
    assert [n.kind for n in notices] == ["feed_failing"]
    assert "连续 3 次" in notices[0].body
    assert [r.notified for r in runs(rt, "broken")] == ["", "", "feed_failing", ""]
    server.docs["/error500"] = rss(("ok1", "交通局张伟受贿", "恢复"))
    scan_now(rt)
    assert channel(rt, "broken").consecutive_failures == 0


def test_person_named_alone_gives_the_department(rt: Runtime, server: DocServer) -> None:
    server.docs["/doc/person.xml"] = rss(("p1", "网传张伟收受红包", "涉嫌受贿"))
    add_feeds(rt, {"people": f"{server.base_url}/doc/person.xml"})
    assert scan_now(rt, "people").signals == 1
    with rt.sessions() as session:
        signal = session.scalars(select(Signal)).one()
        department = session.get(Department, signal.department_id)
    assert signal.person == "张伟" and department is not None and department.code == "JTJ"
    assert signal.extra["keywords"] == ["受贿"]
