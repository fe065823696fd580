"""The database side of feed scans: the `seen` hook and each feed's items, in short chunks.

A feed's items are written CHUNK at a time, each chunk its own transaction: its signals
and their entries together, so a chunk is all there or not at all. The feed's state
(validators, URL, failures) and its run row are written last, in one more transaction
(`warning.feeds.outcome_store`): a scan interrupted half-way leaves the validators as
they were, the next scan fetches the feed again, and the entries already stored make
the repeats known, not new. Short transactions keep SQLite's write lock free for the
API between chunks (a 140,000-item feed held it 30 s in one transaction), and every IN
list and executemany stays far under the drivers' parameter limits (PostgreSQL 65,535,
SQLite 32,766).

Edits: an item seen before whose content hash changed is counted `edited` and its stored
hash updated; it never becomes a second signal (see `warning.feeds.parse`).
"""

import asyncio
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.db.bulk import insert_returning
from warning.db.models import Department, FeedEntry, Signal
from warning.domain.enums import SignalStatus
from warning.domain.input_text import showable
from warning.feeds.channels import Subjects
from warning.feeds.parse import FeedItem
from warning.feeds.scan import FeedOutcome, ScannedItem

# Items per transaction: 500 signals and their entries commit in tens of milliseconds
# on SQLite; 500 keys is also far under every driver's parameter limit.
CHUNK = 500
SURROGATES = dict.fromkeys(range(0xD800, 0xE000))
# A feed's date is only the feed's word. Later than the scan by more than a day (past any
# zone's offset written as GMT, and clock skew) it is a placeholder or a typo, not when
# the story happened; as `occurred_at` it would count in repeat windows years ahead.
FUTURE_SLACK = timedelta(days=1)
T = TypeVar("T")


def batched(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Yield slices of at most `size` items (itertools.batched is Python 3.12)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def entry_key(item_key: str) -> str:
    """Return the stored key of a feed item: sha256 of its identity key."""
    return hashlib.sha256(item_key.encode()).hexdigest()


@dataclass
class SeenEntries:
    """The `seen` hook: look keys up in feed_entries, CHUNK keys per query."""

    sessions: sessionmaker[Session]
    channel_ids: Mapping[str, int]

    async def __call__(self, feed_id: str, keys: Sequence[str]) -> dict[str, str | None]:
        """Return the stored content hash of each key already seen on this feed."""
        return await asyncio.to_thread(self.lookup, self.channel_ids[feed_id], keys)

    def lookup(self, channel_id: int, keys: Sequence[str]) -> dict[str, str | None]:
        """Return {item key: stored content hash} for the keys stored on the channel."""
        hashed = {entry_key(key): key for key in keys}
        found: dict[str, str | None] = {}
        with self.sessions() as session:
            for chunk in batched(list(hashed)):
                rows = session.execute(
                    select(FeedEntry.key, FeedEntry.content_hash).where(
                        FeedEntry.channel_id == channel_id, FeedEntry.key.in_(chunk)
                    )
                )
                found.update({hashed[key]: digest for key, digest in rows})
        return found


def store_items(
    sessions: sessionmaker[Session], *, channel_id: int, outcome: FeedOutcome,
    subjects: Subjects, now: datetime,
) -> list[int]:
    """Store an outcome's signals, entries and edits, CHUNK items per transaction."""
    created: list[int] = []
    with sessions() as session:
        department_ids = dict(session.execute(select(Department.code, Department.id)).all())
    for chunk in batched(outcome.items):
        with sessions() as session, session.begin():
            rows = [_signal(channel_id, s, subjects, department_ids, now) for s in chunk]
            created.extend(_insert_signals(session, channel_id, rows, chunk, now))
    for items in batched((*outcome.unkept, *outcome.rekeyed)):
        with sessions() as session, session.begin():
            _insert_entries(session, [_entry(channel_id, item, None, now) for item in items])
    for items in batched(outcome.edited):
        with sessions() as session, session.begin():
            session.connection().execute(
                update(FeedEntry.__table__)
                .where(FeedEntry.channel_id == channel_id, FeedEntry.key == bindparam("k"))
                .values(content_hash=bindparam("h"), edited_at=now),
                [{"k": entry_key(item.key), "h": item.content_hash} for item in items],
            )
    return created


def _insert_signals(
    session: Session, channel_id: int, rows: list[dict[str, Any]],
    chunk: Sequence[ScannedItem], now: datetime,
) -> list[int]:
    """Insert the chunk's signals and entries; return the ids of the new signals.

    RETURNING gives the ids of the rows this chunk inserted (a concurrent scan's rows
    conflict and return nothing, so they are not counted new); only the rest, usually
    none, are looked up by external id. Looking every row up by an IN list of 500 ids
    before and after the insert went through a sequential scan on PostgreSQL while the
    table's statistics still said it was small (a first scan of a large feed): each
    lookup compared every stored row with every id, ~1 s a chunk at 60,000 signals.
    """
    inserted = insert_returning(
        session.connection(), Signal.__table__, rows, ("id", "external_id"),
        on_conflict="ON CONFLICT (channel_id, external_id) DO NOTHING",
    )
    ids = {external_id: signal_id for signal_id, external_id in inserted}
    missing = [row["external_id"] for row in rows if row["external_id"] not in ids]
    if missing:
        ids.update(_signal_ids(session, channel_id, missing))
    entries = [
        _entry(channel_id, scanned.item, ids.get(entry_key(scanned.item.key)), now)
        for scanned in chunk
    ]
    _insert_entries(session, entries)
    return [signal_id for signal_id, _ in inserted]


def _signal_ids(session: Session, channel_id: int, external_ids: list[str]) -> dict[str, int]:
    return dict(
        session.execute(
            select(Signal.external_id, Signal.id).where(
                Signal.channel_id == channel_id, Signal.external_id.in_(external_ids)
            )
        ).all()
    )


def _insert(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)


def _insert_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    if entries:
        stmt = _insert(session, FeedEntry).on_conflict_do_nothing(
            index_elements=["channel_id", "key"]
        )
        session.connection().execute(stmt, entries)


def _entry(channel_id: int, item: FeedItem, signal_id: int | None, now: datetime) -> dict:
    return {
        "channel_id": channel_id, "key": entry_key(item.key), "first_seen": now,
        "content_hash": item.content_hash, "edited_at": None, "signal_id": signal_id,
    }


def _signal(
    channel_id: int, scanned: ScannedItem, subjects: Subjects,
    department_ids: Mapping[str, int], now: datetime,
) -> dict[str, Any]:
    item, relevance = scanned.item, scanned.relevance
    code = relevance.department
    if code is None and relevance.person:
        code = subjects.people.get(relevance.person)
    return {
        "channel_id": channel_id,
        "external_id": entry_key(item.key),
        "title": clean(_title(item))[:500],
        "text": clean(item.summary_text)[:1_000_000],
        "department_id": department_ids.get(code) if code else None,
        "person": clean(relevance.person or "")[:100],
        "occurred_at": occurred_at(item.published_at, now),
        "received_at": now,
        "status": SignalStatus.RECEIVED.value,
        "extra": {
            "link": clean(item.link or ""), "feed_key": clean(item.key)[:2000],
            "keywords": list(relevance.keywords), "departments": list(relevance.departments),
            "people": list(relevance.people),
        },
    }


def occurred_at(published: datetime | None, now: datetime) -> datetime | None:
    """Return a feed item's date as its signal's time, None if unshowable or in the future."""
    if published is None or published > now + FUTURE_SLACK or not showable(published):
        return None
    return published


def _title(item: FeedItem) -> str:
    return item.title or item.summary_text[:80] or item.link or "（无标题）"


def clean(text: str) -> str:
    """Strip NUL and lone surrogates, which PostgreSQL refuses and no reader wants."""
    return text.replace("\x00", "").translate(SURROGATES)
