"""Fetching over real HTTP: conditional GET, redirects, gone, errors, limits."""

import asyncio
import socket

import httpx
from feed_server import ETAG, LAST_MODIFIED, FeedServer

from warning.feeds.fetch import (
    FeedState,
    FetchKind,
    FetchOptions,
    FetchResult,
    fetch_feed,
    make_client,
    network_message,
)
from warning.feeds.scan import next_state

FAST = FetchOptions(connect_timeout=1.0, total_timeout=1.0)


def fetch(url: str, options: FetchOptions = FAST, **state: object) -> FetchResult:
    """Fetch one URL with a fresh client."""

    async def go() -> FetchResult:
        async with make_client() as client:
            return await fetch_feed(client, FeedState(url=url, **state), options)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_ok_returns_body_and_validators(base_url: str) -> None:
    result = fetch(f"{base_url}/conditional.xml")
    assert result.kind is FetchKind.OK
    assert result.has_body and b"<rss" in result.body
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.content_type == "application/rss+xml; charset=utf-8"


def test_etag_answers_304_with_nothing_to_parse(base_url: str) -> None:
    result = fetch(f"{base_url}/conditional.xml", etag=ETAG)
    assert result.kind is FetchKind.NOT_MODIFIED
    assert result.body == b"" and not result.has_body
    assert result.etag == ETAG


def test_last_modified_answers_304(base_url: str) -> None:
    result = fetch(f"{base_url}/conditional.xml", last_modified=LAST_MODIFIED)
    assert result.kind is FetchKind.NOT_MODIFIED


def test_stale_etag_gets_the_body(base_url: str) -> None:
    result = fetch(f"{base_url}/conditional.xml", etag='"old"')
    assert result.kind is FetchKind.OK


def test_permanent_redirects_report_the_new_url(base_url: str) -> None:
    for path, target in (("/moved301.xml", "/rss_utf8.xml"), ("/moved308.xml", "/atom_utf8.xml")):
        result = fetch(base_url + path)
        assert result.kind is FetchKind.MOVED
        assert result.new_url == base_url + target
        assert result.has_body
        state = next_state(FeedState(url=base_url + path), result, None)
        assert state.url == base_url + target


def test_temporary_redirects_are_followed_not_stored(base_url: str) -> None:
    for path in ("/temp302.xml", "/temp307.xml"):
        result = fetch(base_url + path)
        assert result.kind is FetchKind.OK
        assert result.new_url is None
        assert next_state(FeedState(url=base_url + path), result, None).url == base_url + path


def test_permanent_then_temporary_stores_the_permanent_target(base_url: str) -> None:
    result = fetch(f"{base_url}/chain301to302.xml")
    assert result.kind is FetchKind.MOVED
    assert result.new_url == f"{base_url}/temp302.xml"


def test_redirect_loop_is_an_http_error(base_url: str) -> None:
    result = fetch(f"{base_url}/loop.xml")
    assert result.kind is FetchKind.HTTP_ERROR
    assert "重定向" in (result.error or "")


def test_410_marks_the_feed_gone(base_url: str) -> None:
    result = fetch(f"{base_url}/gone.xml")
    assert result.kind is FetchKind.GONE
    assert "410" in (result.error or "")
    assert next_state(FeedState(url="u"), result, None).gone


def test_500_and_404_are_http_errors(base_url: str) -> None:
    for path, code in (("/error500", 500), ("/missing", 404)):
        result = fetch(base_url + path)
        assert result.kind is FetchKind.HTTP_ERROR
        assert result.status_code == code
        assert f"HTTP {code}" in (result.error or "")
        state = next_state(FeedState(url="u", etag="e", consecutive_failures=2), result, None)
        assert state.consecutive_failures == 3 and state.etag == "e"


def test_hanging_server_times_out(base_url: str) -> None:
    result = fetch(f"{base_url}/hang", FetchOptions(connect_timeout=1.0, total_timeout=0.5))
    assert result.kind is FetchKind.TIMEOUT
    assert "超时" in (result.error or "")


def test_streamed_50mb_body_stops_at_the_cap(base_url: str, feed_server: FeedServer) -> None:
    options = FetchOptions(total_timeout=10.0, max_bytes=1_000_000)
    result = fetch(f"{base_url}/huge", options)
    assert result.kind is FetchKind.TOO_LARGE
    assert result.body == b""
    assert "内容过大" in (result.error or "")


def test_declared_50mb_body_is_refused_before_reading(base_url: str) -> None:
    result = fetch(f"{base_url}/huge_declared", FetchOptions(total_timeout=10.0))
    assert result.kind is FetchKind.TOO_LARGE
    assert "Content-Length" in (result.error or "")


def test_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/feed.xml")
    assert result.kind is FetchKind.NETWORK_ERROR
    assert "连接被拒绝" in (result.error or "")


def test_reset_connection_is_a_network_error(base_url: str) -> None:
    result = fetch(f"{base_url}/reset")
    assert result.kind is FetchKind.NETWORK_ERROR
    assert result.error


def test_unsupported_scheme_is_a_network_error() -> None:
    result = fetch("ftp://127.0.0.1/feed.xml")
    assert result.kind is FetchKind.NETWORK_ERROR


def test_network_message_names_dns_failures() -> None:
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert network_message(error).startswith("域名解析失败")
    reset = httpx.ReadError("boom")
    reset.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert network_message(reset).startswith("连接被重置")
