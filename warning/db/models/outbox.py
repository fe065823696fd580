"""The outbox: notices written with the change, and their per-channel deliveries."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warning.db.models.base import Base, UTCDateTime, utcnow


class Notice(Base):
    """One notice to one audience; `key` makes a reminder or escalation happen once."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("handling_records.id"), index=True, default=None
    )
    stage: Mapped[str] = mapped_column(String(16), default="")
    level: Mapped[int] = mapped_column(default=0)
    audience: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)

    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="notice")


class Delivery(Base):
    """Sending one notice over one channel to one target, retried with backoff."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel", "target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Claimed by one deliverer until the lease expires (warning.notify.worker).
    lease_owner: Mapped[str] = mapped_column(String(100), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    notice: Mapped[Notice] = relationship(back_populates="deliveries")
