"""A feed that keeps failing is polled less often, still counted and notified, reset on success.

Against a real loopback server answering HTTP 500, on both databases. Time moves by
backdating the channel's last attempt, as if the scheduler's later runs had come.
"""

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.feeds.feed_server import DATA as FEED_DATA
from tests.feeds.feed_server import FeedHandler, FeedServer, stop_server
from tests.support import DATA
from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.models import Channel, Notice, ScanRun
from warning.db.models.base import utcnow
from warning.feeds.jobs import register_runtime, run_feed_job
from warning.feeds.service import ScanTotals, scan_now
from warning.runtime import Runtime


class FlakyHandler(FeedHandler):
    """Answer /flaky with HTTP 500 until the server is healed, then with a good feed."""

    server: "FlakyServer"

    def do_GET(self) -> None:
        """Serve one request."""
        if self.path != "/flaky":
            super().do_GET()
            return
        self.server.hits.append(self.path)
        if self.server.healthy:
            body = (FEED_DATA / "rss_utf8.xml").read_bytes()
            self._send(200, body, "application/rss+xml; charset=utf-8")
        else:
            self._send(500, b"<h1>Internal Server Error</h1>", "text/html")


class FlakyServer(FeedServer):
    """The feed server with a switch for /flaky."""

    def __init__(self) -> None:
        super().__init__()
        self.RequestHandlerClass = FlakyHandler
        self.healthy = False


@pytest.fixture(scope="module")
def server() -> Iterator[FlakyServer]:
    """Run the loopback server for this module."""
    srv = FlakyServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    stop_server(srv, thread)


@pytest.fixture
def rt(runtime: Runtime, server: FlakyServer) -> Runtime:
    """The runtime with the feed `flaky`: hourly, backoff capped at four hours."""
    server.healthy = False
    server.hits.clear()
    feed = ChannelDefinition.model_validate(
        {"id": "flaky", "name": "舆情 flaky", "kind": "feed",
         "feed": {"url": f"{server.base_url}/flaky", "interval_minutes": 60,
                  "max_backoff_minutes": 240, "timeout_seconds": 2}}
    )
    with runtime.sessions() as session, session.begin():
        sync_channels(session, [*load_channels(DATA / "channels"), feed])
    return runtime


def scheduled(rt: Runtime) -> ScanTotals:
    """Scan as the scheduler does: held back by backoff."""
    return scan_now(rt, trigger="schedule", backoff=True)


def minutes_later(rt: Runtime, minutes: int) -> None:
    """Move the feed's last attempt `minutes` into the past."""
    with rt.sessions() as session, session.begin():
        session.execute(
            update(Channel).where(Channel.code == "flaky")
            .values(last_run_at=utcnow() - timedelta(minutes=minutes))
        )


def flaky(rt: Runtime) -> Channel:
    with rt.sessions() as session:
        return session.scalars(select(Channel).where(Channel.code == "flaky")).one()


def statuses(rt: Runtime) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(ScanRun.status).order_by(ScanRun.id)))


def test_failing_feed_backs_off_is_notified_and_resets_on_success(
    rt: Runtime, server: FlakyServer
) -> None:
    assert scheduled(rt).errors == 1
    assert scheduled(rt).errors == 1  # one failure keeps the hourly schedule
    assert flaky(rt).consecutive_failures == 2 and len(server.hits) == 2

    held = scheduled(rt)  # two in a row: wait two hours
    assert (held.backed_off, held.feeds, held.errors) == (1, 0, 0)
    assert len(server.hits) == 2
    row = flaky(rt)
    assert row.consecutive_failures == 2 and row.last_status == "http_error"
    with rt.sessions() as session:
        run = session.scalars(select(ScanRun).order_by(ScanRun.id.desc()).limit(1)).one()
    assert run.status == "backoff" and run.trigger == "schedule" and "退避" in run.error
    assert run.fetched == 0 and run.errors == 0

    minutes_later(rt, 89)
    assert scheduled(rt).backed_off == 1
    minutes_later(rt, 91)
    third = scheduled(rt)
    assert third.errors == 1 and third.notified == 1  # past the threshold: office told
    assert flaky(rt).consecutive_failures == 3 and len(server.hits) == 3

    minutes_later(rt, 200)  # three in a row: four hours, the cap, less the slack
    assert scheduled(rt).backed_off == 1
    minutes_later(rt, 211)
    assert scheduled(rt).errors == 1
    minutes_later(rt, 211)  # four in a row: eight hours, capped at four
    assert scheduled(rt).errors == 1
    assert flaky(rt).consecutive_failures == 5 and len(server.hits) == 5

    assert scan_now(rt).errors == 1  # a scan asked for by a person is not held back
    assert len(server.hits) == 6

    server.healthy = True
    minutes_later(rt, 211)
    assert scheduled(rt).fetched == 1
    assert flaky(rt).consecutive_failures == 0
    assert scheduled(rt).fetched == 1  # success resets the wait
    with rt.sessions() as session:
        notices = [notice.kind for notice in session.scalars(select(Notice))]
    assert notices == ["feed_failing"]
    assert statuses(rt) == [
        "http_error", "http_error", "backoff", "backoff", "http_error", "backoff",
        "http_error", "http_error", "http_error", "ok", "ok",
    ]


def test_the_scheduled_job_honours_backoff(rt: Runtime, server: FlakyServer) -> None:
    key = register_runtime(rt)
    run_feed_job("flaky", key)
    run_feed_job("flaky", key)
    run_feed_job("flaky", key)
    assert len(server.hits) == 2 and flaky(rt).consecutive_failures == 2
    assert statuses(rt) == ["http_error", "http_error", "backoff"]
