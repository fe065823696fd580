"""A feed whose address changes in its channel file is polled fresh at the new address.

Against the real loopback feed server and both databases: the 410 mark, the validators,
the address a 301 moved to and the failures of the old address are all cleared; an edit
that keeps the address keeps them.
"""

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.feeds.feed_server import ETAG, FeedServer, stop_server
from tests.support import DATA
from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.models import Channel, FeedEntry
from warning.feeds.service import scan_now
from warning.runtime import Runtime


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Run the loopback feed server for this module."""
    srv = FeedServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    stop_server(srv, thread)


def sync_feed(rt: Runtime, url: str, keywords: tuple[str, ...] = ("受贿",)) -> None:
    """Sync the test channels plus the feed channel `moving` at `url`."""
    feed = ChannelDefinition.model_validate(
        {"id": "moving", "name": "舆情 moving", "kind": "feed",
         "feed": {"url": url, "keywords": list(keywords), "timeout_seconds": 2}}
    )
    with rt.sessions() as session, session.begin():
        sync_channels(session, [*load_channels(DATA / "channels"), feed])


def moving(rt: Runtime) -> Channel:
    with rt.sessions() as session:
        return session.scalars(select(Channel).where(Channel.code == "moving")).one()


def count(rt: Runtime, model: type) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_address_clears_the_gone_mark_and_is_polled(
    runtime: Runtime, server: FeedServer
) -> None:
    base = server.base_url
    sync_feed(runtime, f"{base}/rss_utf8.xml")
    assert scan_now(runtime).new == 3
    sync_feed(runtime, f"{base}/gone.xml")
    assert scan_now(runtime).gone == 1
    gone = moving(runtime)
    assert gone.gone and gone.consecutive_failures == 1 and "410" in gone.last_error

    sync_feed(runtime, f"{base}/conditional.xml")
    fresh = moving(runtime)
    assert fresh.url == f"{base}/conditional.xml"
    assert (fresh.gone, fresh.consecutive_failures, fresh.etag, fresh.last_error) == (
        False, 0, "", "",
    )
    server.hits.clear()
    totals = scan_now(runtime)
    assert server.hits == ["/conditional.xml"] and totals.fetched == 1
    # The new address serves the stories already seen: kept, not signalled twice.
    assert (totals.new, totals.signals, count(runtime, FeedEntry)) == (0, 0, 3)
    assert moving(runtime).etag == ETAG


def test_new_address_drops_the_old_validators(runtime: Runtime, server: FeedServer) -> None:
    base = server.base_url
    sync_feed(runtime, f"{base}/conditional.xml")
    scan_now(runtime)
    assert moving(runtime).etag == ETAG and moving(runtime).last_modified
    sync_feed(runtime, f"{base}/atom_utf8.xml")
    row = moving(runtime)
    assert (row.etag, row.last_modified) == ("", "")
    server.hits.clear()
    assert scan_now(runtime).fetched == 1 and server.hits == ["/atom_utf8.xml"]


def test_other_edits_keep_the_moved_address_and_validators(
    runtime: Runtime, server: FeedServer
) -> None:
    base = server.base_url
    sync_feed(runtime, f"{base}/moved301.xml")
    scan_now(runtime)
    assert moving(runtime).url == f"{base}/rss_utf8.xml"
    sync_feed(runtime, f"{base}/moved301.xml", keywords=("受贿", "违规"))
    row = moving(runtime)
    assert row.url == f"{base}/rss_utf8.xml" and row.definition["feed"]["keywords"] == [
        "受贿", "违规",
    ]
    sync_feed(runtime, f"{base}/atom_utf8.xml", keywords=("受贿", "违规"))
    assert moving(runtime).url == f"{base}/atom_utf8.xml"


def test_new_address_starts_with_no_failures(runtime: Runtime, server: FeedServer) -> None:
    base = server.base_url
    sync_feed(runtime, f"{base}/error500")
    scan_now(runtime)
    scan_now(runtime)
    assert moving(runtime).consecutive_failures == 2
    sync_feed(runtime, f"{base}/error500", keywords=("违规",))
    assert moving(runtime).consecutive_failures == 2  # same address: still failing
    sync_feed(runtime, f"{base}/rss_utf8.xml")
    assert moving(runtime).consecutive_failures == 0
    assert scan_now(runtime).errors == 0
