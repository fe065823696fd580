"""Stored quarterly reviews (季度审查存档): what was handed in, kept as it was."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow
from warning.domain.actors import ACTOR_LENGTH


class ReviewSnapshot(Base):
    """A quarter's review of every department, stored by the scheduler or by the office (定稿).

    `once_key` is unique: the scheduler's snapshot is "2026Q3:scheduled", so any number of
    schedulers store one per quarter; the office's is "2026Q3:final:" and a digest of its
    figures and note, so the same 定稿 sent twice is stored once (NULL on older rows).
    """

    __tablename__ = "review_snapshots"
    __table_args__ = (Index("ix_review_snapshots_quarter", "quarter", "stored_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # scheduled | final
    once_key: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    note: Mapped[str] = mapped_column(Text, default="")


class ReviewDecision(Base):
    """The office's answer to one suggestion of a quarter's review (动态管理): accepted or not.

    Unique per quarter, kind and subject, so a dismissed suggestion does not come back for
    the same quarter and a suggestion is never accepted twice.
    """

    __tablename__ = "review_decisions"
    __table_args__ = (UniqueConstraint("quarter", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(32))  # a risk point code, or "register"
    decision: Mapped[str] = mapped_column(String(16))  # accepted | dismissed
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskPointChange(Base):
    """One change to a risk point (风险点变更记录): who, when, which field, old and new, why."""

    __tablename__ = "risk_point_changes"
    __table_args__ = (Index("ix_risk_point_changes_point", "risk_point_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(60), default="")  # e.g. review:2026Q3:raise_level
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
