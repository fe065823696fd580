"""One scan of ordinary feeds beside one hostile feed of each kind, on both databases.

Each hostile feed must get its own right outcome (its stories kept apart, a bomb or a slow
parse failed alone, a repairable feed read) and change nothing for the others: every
ordinary feed's items are stored once, and a second scan stores nothing again.
"""

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from tests.feeds.feed_server import FeedServer, start_server, stop_server
from tests.feeds.hostile_feeds import good_feed, serve_hostile
from tests.support import DATA
from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.models import Channel, FeedEntry, Notice, ScanRun, Signal
from warning.feeds.service import scan_now
from warning.runtime import Runtime

GOOD = 5


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Run the loopback feed server for this module."""
    srv, thread = start_server()
    yield srv
    stop_server(srv, thread)


def add_feeds(rt: Runtime, feeds: dict[str, str], **settings: object) -> None:
    """Sync the test channels plus one relevant-to-受贿 feed channel per code -> URL."""
    feed = {"keywords": ["受贿"], "timeout_seconds": 5, "parse_timeout_seconds": 1} | settings
    definitions = load_channels(DATA / "channels") + [
        ChannelDefinition.model_validate(
            {"id": code, "name": f"舆情 {code}", "kind": "feed", "feed": {"url": url} | feed}
        )
        for code, url in feeds.items()
    ]
    with rt.sessions() as session, session.begin():
        sync_channels(session, definitions)


def per_channel(rt: Runtime) -> dict[str, tuple[Channel, list[Signal]]]:
    with rt.sessions() as session:
        channels = session.scalars(select(Channel).where(Channel.kind == "feed")).all()
        signals = session.scalars(select(Signal).order_by(Signal.id)).all()
    return {c.code: (c, [s for s in signals if s.channel_id == c.id]) for c in channels}


def test_hostile_feeds_are_contained_and_good_ones_stored_once(
    runtime: Runtime, server: FeedServer
) -> None:
    base = server.base_url
    hostile = serve_hostile(server, base)
    for number in range(GOOD):
        server.extra[f"/good/{number}.xml"] = (200, good_feed(number), {})
    add_feeds(runtime, {f"good{n}": f"{base}/good/{n}.xml" for n in range(GOOD)}
              | {kind: f"{base}/hostile/{kind}.xml" for kind in hostile})

    first = scan_now(runtime)

    expected = GOOD * 4 + sum(feed.signals for feed in hostile.values())
    assert first.signals == expected and first.store_errors == 0
    assert first.errors == sum(feed.failed for feed in hostile.values())
    stored = per_channel(runtime)
    for number in range(GOOD):
        channel, signals = stored[f"good{number}"]
        assert channel.consecutive_failures == 0 and channel.last_error == ""
        assert sorted(s.external_id for s in signals) == sorted({s.external_id for s in signals})
        assert len(signals) == 4
    for kind, feed in hostile.items():
        channel, signals = stored[kind]
        assert len(signals) == feed.signals, kind
        assert channel.consecutive_failures == int(feed.failed), (kind, channel.last_error)
        assert set(feed.titles) <= {s.title for s in signals}, kind
        assert set(feed.links) <= {s.extra["link"] for s in signals}, kind
        assert all("\x00" not in s.title for s in signals)
    assert "内容过大" in stored["gzip_bomb"][0].last_error
    assert "内容过大" in stored["deflate_bomb"][0].last_error
    assert "解析超时" in stored["slow_parse"][0].last_error
    assert "1 条条目无法解析" in stored["broken_item"][0].last_error
    with runtime.sessions() as session:
        statuses = set(session.scalars(select(Signal.status)))
    assert statuses == {"evaluated"}

    again = scan_now(runtime)
    assert again.signals == 0 and again.new == 0 and again.edited == 0
    assert sum(len(signals) for _, signals in per_channel(runtime).values()) == expected


@pytest.fixture
def refusing_entries(runtime: Runtime) -> Iterator[str]:
    """Make the database refuse feed entries of the channel coded `refused`."""
    dialect = runtime.engine.dialect.name
    with runtime.engine.begin() as conn:
        if dialect == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER refuse_entries BEFORE INSERT ON feed_entries "
                "WHEN NEW.channel_id = (SELECT id FROM channels WHERE code = 'refused') "
                "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
            ))
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse_entries() RETURNS trigger AS $$ BEGIN "
                "IF NEW.channel_id = (SELECT id FROM channels WHERE code = 'refused') THEN "
                "RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            ))
            conn.execute(text(
                "CREATE TRIGGER refuse_entries BEFORE INSERT ON feed_entries "
                "FOR EACH ROW EXECUTE FUNCTION refuse_entries()"
            ))
    yield "refused"
    with runtime.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS refuse_entries" +
                          ("" if dialect == "sqlite" else " ON feed_entries")))
        if dialect != "sqlite":
            conn.execute(text("DROP FUNCTION IF EXISTS refuse_entries()"))


def test_a_feed_that_cannot_be_stored_backs_off_and_is_notified(
    runtime: Runtime, server: FeedServer, refusing_entries: str
) -> None:
    server.extra["/good/refused.xml"] = (200, good_feed(90), {})
    server.extra["/good/kept.xml"] = (200, good_feed(91), {})
    add_feeds(runtime, {refusing_entries: f"{server.base_url}/good/refused.xml",
                        "kept": f"{server.base_url}/good/kept.xml"})
    for _ in range(3):
        totals = scan_now(runtime)
        assert totals.store_errors == 1
    stored = per_channel(runtime)
    refused, refused_signals = stored[refusing_entries]
    assert refused.consecutive_failures == 3 and refused.last_status == "store_error"
    assert "refused by test trigger" in refused.last_error and refused_signals == []
    assert len(stored["kept"][1]) == 4 and stored["kept"][0].consecutive_failures == 0
    with runtime.sessions() as session:
        notices = session.scalars(select(Notice)).all()
        statuses = session.scalars(
            select(ScanRun.status).join(Channel).where(Channel.code == refusing_entries)
        ).all()
        entries = session.scalar(select(func.count()).select_from(FeedEntry))
    assert [n.kind for n in notices] == ["feed_failing"]
    assert statuses == ["store_error"] * 3 and entries == 4


def test_a_hanging_feed_does_not_hold_back_storing_the_others(
    runtime: Runtime, server: FeedServer
) -> None:
    server.extra["/good/beside.xml"] = (200, good_feed(92), {})
    add_feeds(runtime, {"beside": f"{server.base_url}/good/beside.xml",
                        "hang": f"{server.base_url}/hang"}, timeout_seconds=30)
    server.release.clear()
    scan = threading.Thread(target=scan_now, args=(runtime,), daemon=True)
    scan.start()
    try:
        deadline = time.monotonic() + 20
        stored = 0
        while stored < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
            with runtime.sessions() as session:
                stored = session.scalar(select(func.count()).select_from(FeedEntry)) or 0
        assert stored == 4 and scan.is_alive()  # stored while the other feed still hangs
    finally:
        server.release.set()
        scan.join(30)
    assert not scan.is_alive()
