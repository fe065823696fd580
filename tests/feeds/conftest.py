"""Fixtures for the feed tests: a real loopback HTTP server."""

from collections.abc import Iterator

import pytest
from feed_server import FeedServer, start_server, stop_server


@pytest.fixture(scope="module")
def feed_server() -> Iterator[FeedServer]:
    """Serve the sample feeds and misbehaving endpoints on 127.0.0.1, a free port."""
    server, thread = start_server()
    yield server
    stop_server(server, thread)


@pytest.fixture
def base_url(feed_server: FeedServer) -> str:
    """Return the server's base URL."""
    feed_server.hits.clear()
    return feed_server.base_url
