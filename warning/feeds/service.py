"""Scan feed channels now: fetch, store each outcome in its own transaction, then evaluate.

`scan_now` runs its own event loop (asyncio.run): call it from a thread, the CLI or a
scheduler job, never from inside a running loop.

Backoff (see `warning.feeds.backoff`) holds back scheduled scans of a failing feed; each
held-back run is logged with status `backoff`. A scan a person asks for (`qingfeng
scan`) is not held back.
"""

import asyncio
import hashlib
import logging
from dataclasses import dataclass, fields
from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from warning.db.models import Channel, ScanRun
from warning.db.models.base import utcnow
from warning.feeds.channels import FeedChannel, Subjects, load_feed_channels
from warning.feeds.fetch import FetchKind
from warning.feeds.scan import FeedOutcome, Progress, ScanReport, ScanSummary, scan_feeds
from warning.feeds.store import SavedOutcome, SeenEntries, save_outcome
from warning.notify.outbox import OFFICE, enqueue
from warning.runtime import Runtime

log = logging.getLogger(__name__)
FAILURE_THRESHOLD = 3


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
    report = (
        asyncio.run(
            scan_feeds([feed.spec for feed in feeds], seen=seen, progress=progress, client=client)
        )
        if feeds
        else ScanReport((), ScanSummary())
    )
    finished = utcnow()
    totals = ScanTotals(**{f.name: getattr(report.summary, f.name) for f in fields(ScanSummary)})
    totals.backed_off = _log_held(runtime, held, trigger)
    threshold = failure_threshold(runtime)
    fresh: list[int] = []
    for feed, outcome in zip(feeds, report.outcomes, strict=True):
        try:
            with runtime.sessions() as session, session.begin():
                channel = session.get_one(Channel, feed.channel_id)
                saved = save_outcome(
                    session,
                    channel=channel,
                    outcome=outcome,
                    dropped=seen.dropped(outcome, feed.spec.prefilter),
                    subjects=subjects,
                    started_at=started,
                    finished_at=finished,
                    trigger=trigger,
                )
                totals.notified += _notify(session, channel, outcome, saved, threshold)
        except Exception as error:
            log.exception("storing the scan of feed %s failed", feed.code)
            totals.store_errors += 1
            _log_store_failure(runtime, feed.channel_id, trigger, started, error)
            continue
        fresh.extend(saved.signal_ids)
        totals.signals += len(saved.signal_ids)
    if fresh:
        # Stored already; a failed or interrupted evaluation is retried by the intake job.
        runtime.intake.evaluate(fresh)
    return totals


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


def _notify(
    session: Session, channel: Channel, outcome: FeedOutcome, saved: SavedOutcome, threshold: int
) -> int:
    """Tell the office about a gone feed or one failing `threshold` times in a row."""
    failures = outcome.state.consecutive_failures
    if outcome.kind is FetchKind.GONE:
        kind = "feed_gone"
        subject = f"【订阅源已失效】{channel.name}（{channel.code}）"
        body = (
            f"订阅源渠道“{channel.name}”（{channel.code}）返回 HTTP 410，已永久删除，"
            f"此后不再扫描。\n地址：{channel.url}\n请更换订阅源地址后重新同步渠道。"
        )
    elif saved.failures_before < threshold <= failures:
        kind = "feed_failing"
        subject = f"【订阅源连续失败】{channel.name}（{channel.code}）已连续失败 {failures} 次"
        body = (
            f"订阅源渠道“{channel.name}”（{channel.code}）已连续 {failures} 次扫描失败。\n"
            f"地址：{channel.url}\n最近错误：{channel.last_error or '—'}"
        )
    else:
        return 0
    digest = hashlib.sha256(f"{channel.id}:{saved.run.id}".encode()).hexdigest()[:16]
    row = {
        "key": f"feed:{kind}:{channel.id}:{saved.run.id}:{digest}",
        "kind": kind,
        "record_id": None,
        "stage": "",
        "level": 0,
        "audience": OFFICE,
        "subject": subject[:300],
        "body": body,
        "created_at": utcnow(),
    }
    enqueue(session, [row])
    saved.run.notified = kind
    return 1


def _log_store_failure(
    runtime: Runtime, channel_id: int, trigger: str, started: datetime, error: Exception
) -> None:
    """Log a run whose storage failed; the feed's state was not advanced, so nothing is lost."""
    try:
        with runtime.sessions() as session, session.begin():
            session.add(
                ScanRun(
                    channel_id=channel_id,
                    trigger=trigger,
                    status="store_error",
                    started_at=started,
                    finished_at=utcnow(),
                    errors=1,
                    error=f"保存扫描结果失败 ({type(error).__name__}: {error})"[:2000],
                )
            )
    except Exception:
        log.exception("logging the failed scan of channel %s failed", channel_id)
