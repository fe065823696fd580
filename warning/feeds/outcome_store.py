"""A feed's state and run row after its items are stored, and the office told of failures.

A failure to store counts like a failure to fetch: the feed's failures go up (so backoff
holds it), its error is kept, and the office is told once it passes the threshold. The
state is not advanced, so the next scan fetches the same items again.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warning.db.models import Channel, ScanRun
from warning.db.models.base import utcnow
from warning.feeds.fetch import FetchKind
from warning.feeds.scan import FeedOutcome
from warning.notify.outbox import OFFICE, enqueue


@dataclass(frozen=True)
class SavedOutcome:
    """What saving one outcome wrote: the run row, new signal ids, the failures before."""

    run: ScanRun
    signal_ids: list[int]
    failures_before: int


def save_outcome(
    session: Session, *, channel: Channel, outcome: FeedOutcome, signal_ids: list[int],
    started_at: datetime, finished_at: datetime, trigger: str,
) -> SavedOutcome:
    """Store one feed's new state and run row in the caller's transaction."""
    failures_before = channel.consecutive_failures
    _apply_state(channel, outcome, finished_at)
    kind = outcome.kind
    run = ScanRun(
        channel_id=channel.id, trigger=trigger, status=channel.last_status,
        started_at=started_at, finished_at=finished_at,
        fetched=int(kind in (FetchKind.OK, FetchKind.MOVED)),
        not_modified=int(kind is FetchKind.NOT_MODIFIED),
        new=outcome.new, edited=len(outcome.edited), relevant=len(outcome.items),
        dropped=outcome.dropped, errors=int(outcome.failed), signals=len(signal_ids),
        error=channel.last_error,
    )
    session.add(run)
    session.flush()
    return SavedOutcome(run, signal_ids, failures_before)


def _fits(value: str | None, column: str) -> bool:
    length: int = Channel.__table__.c[column].type.length  # type: ignore[attr-defined]
    return value is not None and len(value) <= length


def _apply_state(channel: Channel, outcome: FeedOutcome, now: datetime) -> None:
    """Keep what the server sent only where its column holds it: an ETag over 500 characters
    (or a Last-Modified over 100, or a 301 to an address over 2,000) failed every scan's store
    on PostgreSQL. A cut validator would never match, so it is dropped (the next fetch is
    unconditional) and an address too long to keep is followed again from the old one."""
    state = outcome.state
    if _fits(state.url, "url"):
        channel.url = state.url
    channel.etag = state.etag if _fits(state.etag, "etag") else ""
    channel.last_modified = (
        state.last_modified if _fits(state.last_modified, "last_modified") else "")
    channel.gone = state.gone
    channel.consecutive_failures = state.consecutive_failures
    channel.last_run_at = now
    channel.last_status = outcome.kind.value if outcome.kind else "gone"
    if outcome.kind is not None:  # a skipped gone feed keeps the 410 message
        channel.last_error = "; ".join(outcome.errors)[:2000]


def record_store_failure(
    session: Session, *, channel: Channel, error: Exception, started_at: datetime,
    trigger: str, threshold: int,
) -> int:
    """Count a failed store as a failure of the feed; return 1 if the office was told."""
    failures_before = channel.consecutive_failures
    channel.consecutive_failures += 1
    channel.last_run_at = utcnow()
    channel.last_status = "store_error"
    channel.last_error = f"保存扫描结果失败 ({type(error).__name__}: {error})"[:2000]
    run = ScanRun(
        channel_id=channel.id, trigger=trigger, status="store_error", started_at=started_at,
        finished_at=channel.last_run_at, errors=1, error=channel.last_error,
    )
    session.add(run)
    session.flush()
    return notify(session, channel, gone=False, run=run, failures_before=failures_before,
                  threshold=threshold)


def notify(
    session: Session, channel: Channel, *, gone: bool, run: ScanRun, failures_before: int,
    threshold: int,
) -> int:
    """Tell the office about a gone feed or one failing `threshold` times in a row."""
    failures = channel.consecutive_failures
    if gone:
        kind = "feed_gone"
        subject = f"【订阅源已失效】{channel.name}（{channel.code}）"
        body = (
            f"订阅源渠道“{channel.name}”（{channel.code}）返回 HTTP 410，已永久删除，"
            f"此后不再扫描。\n地址：{channel.url}\n请更换订阅源地址后重新同步渠道。"
        )
    elif failures_before < threshold <= failures:
        kind = "feed_failing"
        subject = f"【订阅源连续失败】{channel.name}（{channel.code}）已连续失败 {failures} 次"
        body = (
            f"订阅源渠道“{channel.name}”（{channel.code}）已连续 {failures} 次扫描失败。\n"
            f"地址：{channel.url}\n最近错误：{channel.last_error or '—'}"
        )
    else:
        return 0
    digest = hashlib.sha256(f"{channel.id}:{run.id}".encode()).hexdigest()[:16]
    row = {
        "key": f"feed:{kind}:{channel.id}:{run.id}:{digest}",
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
    run.notified = kind
    return 1
