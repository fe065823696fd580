"""Petitions (信访举报): reporters kept apart and encrypted, reveals, and repeat links."""

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow
from warning.domain.actors import ACTOR_LENGTH


class Reporter(Base):
    """Who reported a signal, encrypted with a key that is not in the database."""

    __tablename__ = "reporters"

    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Fernet token of the identity JSON; empty for an anonymous reporter.
    identity: Mapped[str] = mapped_column(Text, default="")
    # sha256 of an anonymous reporter's receipt code; the code itself is shown once.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How it came in (warning.petitions.checks.IntakeMode); shown to the office only.
    intake_mode: Mapped[str] = mapped_column(String(16), default="other",
                                             server_default="other")
    # 给举报人的答复: what the reporter reads with the receipt code; set by the office.
    reply: Mapped[str] = mapped_column(Text, default="", server_default="")
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reply_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH), default="", server_default="")


class PetitionFile(Base):
    """A file filed with a petition (the public report page takes one), stored by sha256."""

    __tablename__ = "petition_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReporterReveal(Base):
    """One reading of a reporter's identity: who, when, why."""

    __tablename__ = "reporter_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    revealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignalLink(Base):
    """A fingerprinted signal and the case it belongs to (itself when it is the case)."""

    __tablename__ = "signal_links"

    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), primary_key=True)
    case_signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float, default=1.0)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignalBand(Base):
    """One LSH band key of a signal's MinHash, so lookups are index probes, not scans."""

    __tablename__ = "signal_bands"
    __table_args__ = (Index("ix_signal_bands_key_received", "band_key", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    band_key: Mapped[int] = mapped_column(BigInteger)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateLimit(Base):
    """One client's token bucket for a rate-limited action, kept so every process shares it.

    `key` is sha256 of the action and the client address, never the address itself;
    `tat` is the bucket's theoretical arrival time (GCRA, epoch seconds): a row with
    `tat` in the past is a full bucket, and is deleted.
    """

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, index=True)
