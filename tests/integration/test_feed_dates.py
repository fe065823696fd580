"""Dates a feed or a client sends that no page could show, or that claim the future.

Every stored time is shown in the unit's zone (Asia/Shanghai). 9999-12-31 23:00 UTC exists
in UTC but not eight hours later: a feed item dated so made its signal's page, and every
signal export of the office, answer 500. A feed's date is only the feed's word: one far
in the future (a CMS's placeholder, or a typo) is not when anything happened, and as the
signal's `occurred_at` it would also count in repeat windows years ahead.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.feeds.feed_server import FeedServer, start_server, stop_server
from tests.integration.test_feed_hostile import add_feeds
from warning.auth.users import add_user, issue_token
from warning.db.models import Signal
from warning.feeds.service import scan_now
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

DATES = {
    "末日": "Fri, 31 Dec 9999 23:00:00 GMT",
    "远期": "Mon, 01 Jan 2500 00:00:00 GMT",
    "下月": format_datetime(datetime.now(UTC) + timedelta(days=30)),
    "正常": "Mon, 06 Jan 2025 10:00:00 +0800",
    "古代": "Sat, 01 Jan 0800 09:00:00 +0800",
}


def feed() -> bytes:
    items = "".join(
        f"<item><title>{name}：采购中心干部受贿</title><guid>d-{n}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for n, (name, date) in enumerate(DATES.items())
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>\
<title>日期</title>{items}</channel></rss>'.encode()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Run the loopback feed server for this module."""
    srv, thread = start_server()
    yield srv
    stop_server(srv, thread)


def office(runtime: Runtime) -> TestClient:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office")
        token = issue_token(session, user=user)
    return TestClient(create_app(runtime), cookies={SESSION_COOKIE: token},
                      follow_redirects=False, raise_server_exceptions=False)


def test_feed_dates_no_page_can_show_or_in_the_future_are_unknown(
    runtime: Runtime, server: FeedServer
) -> None:
    server.extra["/dates.xml"] = (200, feed(), {})
    add_feeds(runtime, {"dates": f"{server.base_url}/dates.xml"})
    assert scan_now(runtime).signals == len(DATES)
    with runtime.sessions() as session:
        stored = {s.title.split("：")[0]: s for s in session.scalars(select(Signal))}
    assert stored["末日"].occurred_at is None and stored["远期"].occurred_at is None
    assert stored["下月"].occurred_at is None
    assert stored["正常"].occurred_at == datetime(2025, 1, 6, 2, tzinfo=UTC)
    assert stored["古代"].occurred_at is None  # before 1900: outside what a signal may carry
    client = office(runtime)
    for signal in stored.values():
        assert client.get(f"/signals/{signal.id}").status_code == 200, signal.title
    for form in ("csv", "xlsx"):
        answer = client.get("/api/signals/export", params={"format": form})
        assert answer.status_code == 200, form


def test_a_client_cannot_log_a_date_no_page_can_show(runtime: Runtime) -> None:
    client = office(runtime)
    body = {"channel": "api", "external_id": "late-1", "title": "末日", "text": "",
            "occurred_at": "9999-12-31T23:00:00Z"}
    answer = client.post("/api/signals", json=body)
    assert answer.status_code == 422 and "occurred_at" in answer.text
    with runtime.sessions() as session:
        assert session.scalars(select(Signal).where(Signal.external_id == "late-1")).all() == []


def test_a_time_stored_before_the_check_still_shows_on_pages_and_exports(
    runtime: Runtime, server: FeedServer
) -> None:
    """Rows written by an earlier version (or by hand) may hold such a time: the pages and
    exports show it in UTC, marked so, rather than answering 500."""
    server.extra["/edge.xml"] = (200, feed(), {})
    add_feeds(runtime, {"edge": f"{server.base_url}/edge.xml"})
    scan_now(runtime)
    edge = datetime(9999, 12, 31, 23, tzinfo=UTC)
    with runtime.sessions() as session, session.begin():
        signal = session.scalars(select(Signal).order_by(Signal.id)).first()
        assert signal is not None
        signal.occurred_at, signal_id = edge, signal.id
    client = office(runtime)
    page = client.get(f"/signals/{signal_id}")
    assert page.status_code == 200 and "9999-12-31 23:00 UTC" in page.text
    for form in ("csv", "xlsx"):
        answer = client.get("/api/signals/export", params={"format": form})
        assert answer.status_code == 200, form
    assert "9999-12-31 23:00" in client.get("/api/signals/export",
                                            params={"format": "csv"}).text
