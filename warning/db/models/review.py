"""Stored quarterly reviews (季度审查存档): what was handed in, kept as it was."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow


class ReviewSnapshot(Base):
    """A quarter's review of every department, stored by the scheduler or by the office (定稿).

    `once_key` is set for the scheduler's snapshot ("2026Q3:scheduled") and unique, so any
    number of schedulers store one per quarter; the office's are NULL there and may repeat.
    """

    __tablename__ = "review_snapshots"
    __table_args__ = (Index("ix_review_snapshots_quarter", "quarter", "stored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # scheduled | final
    once_key: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
