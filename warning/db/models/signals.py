"""Signals (预警信息) and the rule hits recorded when they are evaluated."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warning.db.models.base import Base, UTCDateTime, utcnow
from warning.db.models.channels import Channel
from warning.db.models.money import Money
from warning.domain.actors import ACTOR_LENGTH


class StoredSignal(Protocol):
    """The columns evaluation reads of a stored signal (an ORM object or a row of them)."""

    @property
    def id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def department_id(self) -> int | None: ...
    @property
    def person(self) -> str: ...
    @property
    def post(self) -> str: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def occurred_at(self) -> datetime | None: ...


class Signal(Base):
    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_signals_retry", "status", "next_attempt_at"),
        Index("ix_signals_received_channel", "received_at", "channel_id", "department_id"),
        Index("ix_signals_department_id", "department_id", "id"),  # migration 0008c
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    person: Mapped[str] = mapped_column(String(100), default="")
    post: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal | None] = mapped_column(Money, default=None)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # no index of its own: ix_signals_received_channel leads with it (migration 0009c)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # no index of its own: ix_signals_retry (status, next_attempt_at) serves it
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(2000), default="")
    # Claimed for evaluation by one process until the lease expires (warning.services.retry).
    lease_owner: Mapped[str] = mapped_column(String(100), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # the digest of the rule book that evaluated the signal (rule_books.book_digest): two
    # instances holding different books (a half-done deploy) are told apart (0010g_r17)
    rule_book: Mapped[str] = mapped_column(String(64), default="", server_default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The office's decision on a signal that needs no warning: "" (none), "dismissed"
    # (不予处理) or "duplicate" (of `duplicate_of_id`), with its reason, who and when.
    disposition: Mapped[str] = mapped_column(String(16), default="", server_default="")
    disposition_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id"), default=None)
    disposed_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH), default="", server_default="")
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    channel: Mapped[Channel] = relationship()
    hits: Mapped[list["RuleHit"]] = relationship(back_populates="signal")


class RuleHit(Base):
    """One rule matching one signal, kept for repetition counts and monitor-mode review."""

    __tablename__ = "rule_hits"
    __table_args__ = (
        Index("ix_rule_hits_rule_subject_counted", "rule_id", "subject_key", "counted_at"),
        UniqueConstraint("signal_id", "rule_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # no index of its own: the unique (signal_id, rule_id) serves it
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"))
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[str] = mapped_column(String(64))
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id"))
    mode: Mapped[str] = mapped_column(String(10))
    subject_key: Mapped[str] = mapped_column(String(300))
    hit_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # when the signal's event happened (occurred_at, else received_at): repeat windows count this
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), default=None)

    signal: Mapped[Signal] = relationship(back_populates="hits")
