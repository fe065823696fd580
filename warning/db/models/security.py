"""Security records: the log the office reads, failed sign-ins, lockouts, stored secrets."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow


class SecurityEvent(Base):
    """One sign-in, sign-out, lockout, refusal or account change, as the office reads it."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    method: Mapped[str] = mapped_column(String(8), default="")
    path: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[str] = mapped_column(String(300), default="")


class LoginFailure(Base):
    """One failed sign-in, counted per account name and per client address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class LoginLock(Base):
    """An account name (`user:NAME`) or client address (`addr:IP`) locked until a time."""

    __tablename__ = "login_locks"

    key: Mapped[str] = mapped_column(String(170), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredSecret(Base):
    """A secret generated once and kept, e.g. the key that signs forms."""

    __tablename__ = "stored_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
