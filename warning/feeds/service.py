"""Scan feed channels now: store each feed as soon as it is done, then evaluate.

Each feed's outcome is stored the moment its fetch and parse finish (in short
transactions, see `warning.feeds.store`), one feed at a time on a worker thread, while the
other feeds go on being fetched: a slow or huge feed holds back no one else's storing.
The new signals are evaluated after the scan, EVALUATE_CHUNK at a time; a chunk whose
evaluation fails is left for the intake retry job and the rest go on.

`scan_now` runs its own event loop (asyncio.run): call it from a thread, the CLI or a
scheduler job, never from inside a running loop.

Backoff (see `warning.feeds.backoff`) holds back scheduled scans of a failing feed; each
held-back run is logged with status `backoff`. A scan a person asks for (`qingfeng
scan`) is not held back.
"""

import asyncio
import logging
from dataclasses import dataclass, field, fields
from datetime import datetime

import httpx

from warning.db.models import Channel, ScanRun
from warning.db.models.base import utcnow
from warning.feeds.channels import FeedChannel, Subjects, load_feed_channels
from warning.feeds.fetch import FetchKind
from warning.feeds.outcome_store import notify, record_store_failure, save_outcome
from warning.feeds.parse_pool import ParsePool
from warning.feeds.scan import FeedOutcome, Progress, ScanReport, ScanSummary, scan_feeds
from warning.feeds.store import SeenEntries, batched, store_items
from warning.runtime import Runtime

log = logging.getLogger(__name__)
FAILURE_THRESHOLD = 3
EVALUATE_CHUNK = 200


class FeedChannelNotFound(LookupError):
    """No enabled feed channel has the id or code asked for."""


@dataclass
class ScanTotals(ScanSummary):
    """The scan summary plus what storing it did: signals, notices, storage failures.

    `backed_off` counts the feeds not fetched because they are failing and their
    backoff wait has not passed; they are not in `feeds`.
    """

    backed_off: int = 0
    signals: int = 0
    notified: int = 0
    store_errors: int = 0


def failure_threshold(runtime: Runtime) -> int:
    """Return how many failures in a row make the office be told (setting, default 3)."""
    return int(getattr(runtime.settings, "feed_failure_threshold", FAILURE_THRESHOLD))


def scan_now(
    runtime: Runtime,
    channel_id: int | str | None = None,
    progress: Progress | None = None,
    *,
    trigger: str = "manual",
    client: httpx.AsyncClient | None = None,
    backoff: bool = False,
) -> ScanTotals:
    """Scan every enabled feed channel (or one, by id or code) and store what was found.

    With `backoff`, a failing feed whose wait has not passed is logged, not fetched.
    """
    with runtime.sessions() as session:
        subjects = Subjects.load(session)
        feeds = load_feed_channels(session, channel_id, subjects)
    if channel_id is not None and not feeds:
        raise FeedChannelNotFound(f"没有启用的订阅源渠道“{channel_id}” (no such feed channel)")
    held: list[tuple[FeedChannel, datetime]] = []
    if backoff:
        feeds, held = _hold_back(feeds, utcnow())
    seen = SeenEntries(runtime.sessions, {feed.code: feed.channel_id for feed in feeds})
    started = utcnow()
    writer = _Writer(runtime, {feed.code: feed for feed in feeds}, subjects, started, trigger)
    report = (
        asyncio.run(_scan(feeds, seen, writer, progress, client))
        if feeds
        else ScanReport((), ScanSummary())
    )
    totals = ScanTotals(**{f.name: getattr(report.summary, f.name) for f in fields(ScanSummary)})
    totals.backed_off = _log_held(runtime, held, trigger)
    totals.signals, totals.notified = len(writer.fresh), writer.notified
    totals.store_errors = writer.store_errors
    # Stored already; a failed or interrupted evaluation is retried by the intake job.
    for chunk in batched(writer.fresh, EVALUATE_CHUNK):
        try:
            runtime.intake.evaluate(list(chunk))
        except Exception:
            log.exception("evaluating %d feed signal(s) failed; left for retry", len(chunk))
    return totals


async def _scan(
    feeds: list[FeedChannel], seen: SeenEntries, writer: "_Writer", progress: Progress | None,
    client: httpx.AsyncClient | None,
) -> ScanReport:
    lock = asyncio.Lock()  # one feed stored at a time: SQLite has one writer anyway

    async def store(outcome: FeedOutcome) -> None:
        async with lock:
            await asyncio.to_thread(writer.save, outcome)

    parser = ParsePool()
    try:
        return await scan_feeds(
            [feed.spec for feed in feeds], seen=seen, progress=progress, client=client,
            on_outcome=store, parser=parser,
        )
    finally:
        parser.close()


@dataclass
class _Writer:
    """Store each feed's outcome: items in chunks, then state and run row; count failures."""

    runtime: Runtime
    feeds: dict[str, FeedChannel]
    subjects: Subjects
    started: datetime
    trigger: str
    fresh: list[int] = field(default_factory=list)
    notified: int = 0
    store_errors: int = 0

    def save(self, outcome: FeedOutcome) -> None:
        """Store one outcome; on failure count it against the feed and log the run."""
        feed = self.feeds[outcome.feed_id]
        threshold = failure_threshold(self.runtime)
        try:
            signal_ids = store_items(
                self.runtime.sessions, channel_id=feed.channel_id, outcome=outcome,
                subjects=self.subjects, now=utcnow(),
            )
            self.fresh.extend(signal_ids)
            with self.runtime.sessions() as session, session.begin():
                channel = session.get_one(Channel, feed.channel_id)
                saved = save_outcome(
                    session, channel=channel, outcome=outcome, signal_ids=signal_ids,
                    started_at=self.started, finished_at=utcnow(), trigger=self.trigger,
                )
                self.notified += notify(
                    session, channel, gone=outcome.kind is FetchKind.GONE, run=saved.run,
                    failures_before=saved.failures_before, threshold=threshold,
                )
        except Exception as error:
            log.exception("storing the scan of feed %s failed", feed.code)
            self.store_errors += 1
            self._record_failure(feed, error, threshold)

    def _record_failure(self, feed: FeedChannel, error: Exception, threshold: int) -> None:
        try:
            with self.runtime.sessions() as session, session.begin():
                channel = session.get_one(Channel, feed.channel_id)
                self.notified += record_store_failure(
                    session, channel=channel, error=error, started_at=self.started,
                    trigger=self.trigger, threshold=threshold,
                )
        except Exception:
            log.exception("logging the failed scan of feed %s failed", feed.code)


def _hold_back(
    feeds: list[FeedChannel], now: datetime
) -> tuple[list[FeedChannel], list[tuple[FeedChannel, datetime]]]:
    """Split feeds into those to fetch now and those backoff holds until a due time."""
    ready: list[FeedChannel] = []
    held: list[tuple[FeedChannel, datetime]] = []
    for feed in feeds:
        due = feed.due_at()
        if due is not None and now < due and not feed.spec.state.gone:
            held.append((feed, due))
        else:
            ready.append(feed)
    return ready, held


def _log_held(runtime: Runtime, held: list[tuple[FeedChannel, datetime]], trigger: str) -> int:
    """Log a `backoff` run per held-back feed; its state and failure count stay as they were."""
    if not held:
        return 0
    now = utcnow()
    for feed, due in held:
        log.info("feed %s held back by backoff until %s", feed.code, due.isoformat())
    try:
        with runtime.sessions() as session, session.begin():
            for feed, due in held:
                failures = feed.spec.state.consecutive_failures
                session.add(
                    ScanRun(
                        channel_id=feed.channel_id, trigger=trigger, status="backoff",
                        started_at=now, finished_at=now,
                        error=f"连续失败 {failures} 次，退避中，{due:%Y-%m-%d %H:%M} UTC 后再试 "
                        f"(backing off after {failures} failures; due {due.isoformat()})",
                    )
                )
    except Exception:
        log.exception("logging the held-back feeds failed")
    return len(held)
