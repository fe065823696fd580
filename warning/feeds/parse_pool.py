"""Parse large feed bodies in worker processes, each parse with a time limit.

feedparser's time is not linear in the body: attributes are handled quadratically
(measured: 2,000 attributes on one element 0.03 s, 4,000 0.17 s; a 1.8 MB feed took
171 s). A thread cannot be stopped, so a body is parsed in a pebble process pool, whose
per-task timeout kills the stuck worker and starts a new one; the feed fails with a
timeout and is backed off like any failure. Bodies up to 64 KB with no tag longer than
2 KB parse in the event loop, where they cost less than a round trip to a process (the
1,000-feed bench scan took 137 s with every body sent to the pool against 87 s inline,
on the same loaded machine). Measured there: the cost is quadratic in the attributes of
one tag (3,000 attributes, 29 KB: 0.58 s; 6,000, 59 KB: 3.1 s) and linear otherwise
(40 tags of 150 attributes, 55 KB: 0.07 s). The pool is started on the first body that
needs it.
"""

import asyncio
import multiprocessing
import os
import re
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from pebble import ProcessPool

from warning.feeds.parse import ParsedFeed, ParseStatus, parse_feed

INLINE_BYTES = 64 * 1024
LONG_TAG = re.compile(rb"<[^<>]{2048}")
PARSE_TIMEOUT = 30.0


@dataclass
class ParsePool:
    """Parse bodies: small ones inline, large ones in up to `workers` processes."""

    workers: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    timeout: float = PARSE_TIMEOUT
    _pool: ProcessPool | None = None

    async def parse(
        self, body: bytes, content_type: str | None, *, base_url: str | None,
        feed_url: str | None, timeout: float | None = None,
    ) -> ParsedFeed:
        """Parse one body within the time limit; a parse past it is a malformed result."""
        if len(body) <= INLINE_BYTES and not LONG_TAG.search(body):
            return parse_feed(body, content_type, base_url=base_url, feed_url=feed_url)
        limit = timeout or self.timeout
        future = self._started().schedule(
            parse_feed, args=(body, content_type),
            kwargs={"base_url": base_url, "feed_url": feed_url}, timeout=limit,
        )
        try:
            return await asyncio.wrap_future(future)
        except (TimeoutError, FutureTimeout):
            reason = f"解析超时，已放弃 (parse took over {limit:g}s; {len(body)} bytes)"
            return ParsedFeed(ParseStatus.MALFORMED, (), None, reason=reason)

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(5)
            self._pool = None

    def _started(self) -> ProcessPool:
        if self._pool is None:
            # forkserver: a service process has threads, and fork would copy their locks.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPool(max_workers=self.workers, context=context)
        return self._pool
