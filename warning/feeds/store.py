"""The database side of feed scans: the `seen` hook and saved outcomes.

Each outcome is saved in ONE transaction: the channel's new state (validators, URL, gone,
failures), the entries seen (each stored once, keyed by a hash of the item key), the
signals of relevant items and the scan-run row. Saving the validators without the items
would make the next scan answer 304 and lose them. The signals are stored unevaluated;
the caller evaluates them after the commit, and the intake retry job picks up any the
process did not get to.

Edits: an item seen before whose content hash changed is counted `edited` and its stored
hash updated; it never becomes a second signal (see `warning.feeds.parse`).
"""

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import Channel, Department, FeedEntry, ScanRun, Signal
from warning.domain.enums import SignalStatus
from warning.feeds.channels import RecordingPrefilter, Subjects
from warning.feeds.fetch import FetchKind
from warning.feeds.parse import FeedItem
from warning.feeds.scan import FeedOutcome, ScannedItem

CHUNK = 500


def entry_key(item_key: str) -> str:
    """Return the stored key of a feed item: sha256 of its guid/link key."""
    return hashlib.sha256(item_key.encode()).hexdigest()


@dataclass
class SeenEntries:
    """The `seen` hook: look keys up in feed_entries and remember what each feed sent."""

    sessions: sessionmaker[Session]
    channel_ids: Mapping[str, int]
    keys: dict[str, list[str]] = field(default_factory=dict)
    known: dict[str, dict[str, str | None]] = field(default_factory=dict)

    async def __call__(self, feed_id: str, keys: Sequence[str]) -> dict[str, str | None]:
        """Return the stored content hash of each key already seen on this feed."""
        found = await asyncio.to_thread(self.lookup, self.channel_ids[feed_id], keys)
        self.keys[feed_id] = list(keys)
        self.known[feed_id] = found
        return found

    def lookup(self, channel_id: int, keys: Sequence[str]) -> dict[str, str | None]:
        """Return {item key: stored content hash} for the keys stored on the channel."""
        hashed = {entry_key(key): key for key in keys}
        found: dict[str, str | None] = {}
        stored = list(hashed)
        with self.sessions() as session:
            for start in range(0, len(stored), CHUNK):
                rows = session.execute(
                    select(FeedEntry.key, FeedEntry.content_hash).where(
                        FeedEntry.channel_id == channel_id,
                        FeedEntry.key.in_(stored[start : start + CHUNK]),
                    )
                )
                found.update({hashed[key]: digest for key, digest in rows})
        return found

    def dropped(self, outcome: FeedOutcome, prefilter: object) -> dict[str, str | None]:
        """Return {item key: content hash} of the new items the prefilter dropped."""
        if not outcome.dropped:
            return {}
        known = self.known.get(outcome.feed_id, {})
        fresh = [key for key in self.keys.get(outcome.feed_id, []) if key not in known]
        kept = {scanned.item.key for scanned in outcome.items}
        checked = prefilter.checked if isinstance(prefilter, RecordingPrefilter) else []
        if len(checked) == len(fresh):
            return {
                key: digest
                for key, (digest, _) in zip(fresh, checked, strict=True)
                if key not in kept
            }
        # Without a hash an edit to a dropped item goes unnoticed; it is still not new.
        return {key: None for key in fresh if key not in kept}


@dataclass(frozen=True)
class SavedOutcome:
    """What saving one outcome wrote: the run row, new signal ids, the failures before."""

    run: ScanRun
    signal_ids: list[int]
    failures_before: int


def save_outcome(
    session: Session, *, channel: Channel, outcome: FeedOutcome,
    dropped: Mapping[str, str | None], subjects: Subjects,
    started_at: datetime, finished_at: datetime, trigger: str,
) -> SavedOutcome:
    """Store one feed's state, entries, signals and run row in the caller's transaction."""
    failures_before = channel.consecutive_failures
    _apply_state(channel, outcome, finished_at)
    signal_ids = _store_items(session, channel, outcome.items, subjects, finished_at)
    _store_dropped(session, channel.id, dropped, finished_at)
    _store_edits(session, channel.id, outcome.edited, finished_at)
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


def _apply_state(channel: Channel, outcome: FeedOutcome, now: datetime) -> None:
    state = outcome.state
    channel.url = state.url
    channel.etag = state.etag or ""
    channel.last_modified = state.last_modified or ""
    channel.gone = state.gone
    channel.consecutive_failures = state.consecutive_failures
    channel.last_run_at = now
    channel.last_status = outcome.kind.value if outcome.kind else "gone"
    if outcome.kind is not None:  # a skipped gone feed keeps the 410 message
        channel.last_error = "; ".join(outcome.errors)[:2000]


def _store_items(
    session: Session, channel: Channel, items: Sequence[ScannedItem], subjects: Subjects,
    now: datetime,
) -> list[int]:
    if not items:
        return []
    department_ids = dict(session.execute(select(Department.code, Department.id)).all())
    external_ids = [entry_key(scanned.item.key) for scanned in items]
    existing = dict(
        session.execute(
            select(Signal.external_id, Signal.id).where(
                Signal.channel_id == channel.id, Signal.external_id.in_(external_ids)
            )
        ).all()
    )
    created: list[int] = []
    for external_id, scanned in zip(external_ids, items, strict=True):
        signal_id = existing.get(external_id)
        if signal_id is None:
            signal = _signal(channel.id, external_id, scanned, subjects, department_ids, now)
            session.add(signal)
            session.flush()
            signal_id = signal.id
            created.append(signal_id)
        session.add(FeedEntry(channel_id=channel.id, key=external_id, first_seen=now,
                              content_hash=scanned.item.content_hash, signal_id=signal_id))
    return created


def _signal(
    channel_id: int, external_id: str, scanned: ScannedItem, subjects: Subjects,
    department_ids: Mapping[str, int], now: datetime,
) -> Signal:
    item, relevance = scanned.item, scanned.relevance
    code = relevance.department
    if code is None and relevance.person:
        code = subjects.people.get(relevance.person)
    return Signal(
        channel_id=channel_id,
        external_id=external_id,
        title=_clean(_title(item))[:500],
        text=_clean(item.summary_text)[:1_000_000],
        department_id=department_ids.get(code) if code else None,
        person=(relevance.person or "")[:100],
        occurred_at=item.published_at,
        received_at=now,
        status=SignalStatus.RECEIVED.value,
        extra={
            "link": item.link or "", "feed_key": item.key[:2000],
            "keywords": list(relevance.keywords), "departments": list(relevance.departments),
            "people": list(relevance.people),
        },
    )


def _title(item: FeedItem) -> str:
    return item.title or item.summary_text[:80] or item.link or "（无标题）"


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def _store_dropped(
    session: Session, channel_id: int, dropped: Mapping[str, str | None], now: datetime
) -> None:
    for key, digest in dropped.items():
        entry = FeedEntry(channel_id=channel_id, key=entry_key(key), content_hash=digest)
        entry.first_seen = now
        session.add(entry)


def _store_edits(
    session: Session, channel_id: int, edited: Sequence[FeedItem], now: datetime
) -> None:
    for item in edited:
        session.execute(
            update(FeedEntry)
            .where(FeedEntry.channel_id == channel_id, FeedEntry.key == entry_key(item.key))
            .values(content_hash=item.content_hash, edited_at=now)
        )
