"""Compressed bodies are inflated as they stream and stopped at the cap, whatever the ratio."""

import asyncio
import gzip
import tracemalloc
import zlib

import pytest
from feed_server import FeedServer

from warning.feeds.fetch import FeedState, FetchKind, FetchOptions, fetch_feed, make_client
from warning.feeds.inflate import BadEncoding, BodyTooLarge, Inflater

CAP = 1_000_000
BOMB = 64 * 1024 * 1024
BODY = b'<rss version="2.0"><channel><title>t</title></channel></rss>'
CODINGS = {
    "gzip": lambda data: gzip.compress(data, 9),
    "deflate": lambda data: zlib.compress(data, 9),
    "raw-deflate": lambda data: _raw(data),
}


def _raw(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def header(coding: str) -> str:
    return "deflate" if coding == "raw-deflate" else coding


@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_every_coding_inflates_and_every_bomb_stops_at_the_cap(coding: str) -> None:
    packed = CODINGS[coding]
    small = Inflater(header(coding), CAP)
    small.feed(packed(BODY))
    assert small.body() == BODY
    bomb = packed(b" " * BOMB)
    inflater = Inflater(header(coding), CAP)
    with pytest.raises(BodyTooLarge):
        for start in range(0, len(bomb), 65536):
            inflater.feed(bomb[start : start + 65536])
    assert inflater.size <= CAP + 1


def test_a_concatenated_gzip_is_read_whole_and_an_unknown_coding_refused() -> None:
    inflater = Inflater("gzip", CAP)
    inflater.feed(gzip.compress(b"<rss>") + gzip.compress(b"</rss>"))
    assert inflater.body() == b"<rss></rss>"
    with pytest.raises(BadEncoding):
        Inflater("br", CAP)
    corrupt = Inflater("gzip", CAP)
    with pytest.raises(BadEncoding):
        corrupt.feed(b"\x1f\x8b not gzip at all")


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_served_bomb_is_refused_within_the_cap_in_memory(
    feed_server: FeedServer, coding: str
) -> None:
    feed_server.extra["/bomb.xml"] = (200, CODINGS[coding](b" " * BOMB), {
        "Content-Encoding": coding
    })

    async def go() -> object:
        async with make_client() as client:
            return await fetch_feed(
                client, FeedState(url=f"{feed_server.base_url}/bomb.xml"),
                FetchOptions(max_bytes=CAP),
            )

    tracemalloc.start()
    try:
        result = asyncio.run(go())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.kind is FetchKind.TOO_LARGE  # type: ignore[attr-defined]
    assert peak < 8 * CAP  # the cap and a chunk or two, not the 64 MB inflated
