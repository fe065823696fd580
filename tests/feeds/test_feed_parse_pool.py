"""Parsing has a time limit: a stuck parse is killed, and the pool goes on parsing others."""

import asyncio
import time

from hostile_feeds import good_feed, rss, slow_body

from warning.feeds.parse import ParseStatus
from warning.feeds.parse_pool import INLINE_BYTES, ParsePool


def test_a_parse_past_its_limit_is_killed_and_the_next_body_parses() -> None:
    large = rss([f"<item><title>第{i}条</title><guid>g{i}</guid></item>" for i in range(3000)])
    assert len(large) > INLINE_BYTES and len(slow_body()) > INLINE_BYTES

    async def go() -> list[object]:
        pool = ParsePool(workers=1, timeout=1.0)
        try:
            started = time.monotonic()
            slow = await pool.parse(slow_body(), None, base_url=None, feed_url=None)
            waited = time.monotonic() - started
            after = await pool.parse(large, None, base_url=None, feed_url=None, timeout=60)
            small = await pool.parse(good_feed(1), None, base_url=None, feed_url=None)
            return [slow, waited, after, small]
        finally:
            pool.close()

    slow, waited, after, small = asyncio.run(go())
    assert slow.status is ParseStatus.MALFORMED and "解析超时" in slow.reason  # type: ignore[attr-defined]
    assert waited < 10  # killed near its 1 s limit, not left to run its many seconds
    assert len(after.items) == 3000 and len(small.items) == 4  # type: ignore[attr-defined]
