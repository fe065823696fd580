"""A feed with more new items than one statement can bind, stored while others write.

PostgreSQL's driver binds at most 65,535 parameters a statement and SQLite 32,766; one
IN list or insert per scan failed past that. The feed is generated here with more new
items than that, every one relevant: the scan must store, key and evaluate them all, and
a writer running beside it (with a 2 s busy timeout on SQLite) must never find the
database locked, because each transaction of the scan is short.
"""

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from tests.feeds.feed_server import FeedServer, start_server, stop_server
from tests.feeds.hostile_feeds import rss
from tests.integration.test_feed_hostile import add_feeds
from warning.db.engine import make_engine
from warning.db.models import FeedEntry, Signal
from warning.feeds.service import scan_now
from warning.runtime import Runtime

ITEMS = 65_536 + 464  # past PostgreSQL's 65,535 parameters in one statement


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Serve the generated feed on loopback."""
    srv, thread = start_server()
    srv.extra["/large.xml"] = (200, rss([
        f"<item><title>采购中心受贿{i}</title><guid>L{i}</guid></item>" for i in range(ITEMS)
    ]), {})
    yield srv
    stop_server(srv, thread)


class Writer(threading.Thread):
    """Write one short transaction every 20 ms until stopped; keep the errors."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.writes = 0

    def run(self) -> None:
        """Write until stopped."""
        while not self.stop.is_set():
            try:
                with self.engine.begin() as conn:
                    if self.engine.dialect.name == "sqlite":
                        conn.execute(text("PRAGMA busy_timeout=2000"))
                    conn.execute(text(
                        "UPDATE channels SET last_error = :e WHERE code = 'audit'"
                    ), {"e": f"write {self.writes}"})
                self.writes += 1
            except Exception as error:
                self.errors.append(f"{type(error).__name__}: {error}"[:200])
            time.sleep(0.02)
        self.engine.dispose()


@pytest.mark.slow
def test_more_new_items_than_a_statement_can_bind(runtime: Runtime, server: FeedServer) -> None:
    add_feeds(runtime, {"large": f"{server.base_url}/large.xml"}, max_bytes=50_000_000,
              timeout_seconds=60, parse_timeout_seconds=120)
    writer = Writer(runtime.settings.database_url)
    writer.start()
    try:
        totals = scan_now(runtime)
    finally:
        writer.stop.set()
        writer.join(10)
    assert (totals.new, totals.signals, totals.errors, totals.store_errors) == (
        ITEMS, ITEMS, 0, 0
    )
    with runtime.sessions() as session:
        by_status = dict(
            session.execute(select(Signal.status, func.count()).group_by(Signal.status)).all()
        )
        entries = session.scalar(select(func.count()).select_from(FeedEntry))
    assert by_status == {"evaluated": ITEMS} and entries == ITEMS
    assert writer.errors == [] and writer.writes > 0
