"""Feed entries already seen (each stored once) and the log of every feed scan."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow


class FeedEntry(Base):
    """One feed item seen on a channel: its key and content hashes, never its text.

    `key` is the sha256 of the item's own key (guid, else link), so that arbitrarily long
    guids fit a unique index. `signal_id` is set when the item was relevant and became a
    signal; dropped items keep only the hashes, so they are not counted as new again.
    """

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("channel_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    key: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signals.id"), default=None, index=True
    )


class ScanRun(Base):
    """One scan of one feed channel, with its counts (every run is logged)."""

    __tablename__ = "scan_runs"
    __table_args__ = (Index("ix_scan_runs_channel_started", "channel_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    status: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fetched: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    edited: Mapped[int] = mapped_column(default=0)
    relevant: Mapped[int] = mapped_column(default=0)
    dropped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    signals: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(2000), default="")
    notified: Mapped[str] = mapped_column(String(20), default="")
