"""Reload requests for the rules: one row per request, read by every instance's watcher."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime, utcnow


class RuleReload(Base):
    """Someone asked every instance to reload its rule files (page or API)."""

    __tablename__ = "rule_reloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    instance: Mapped[str] = mapped_column(String(200))  # the one that served the request


class RuleBookInForce(Base):
    """The rule book an instance holds, refreshed by its watcher: instances that disagree
    (a half-done deploy) are named by /readyz and the rules status."""

    __tablename__ = "rule_books"

    instance: Mapped[str] = mapped_column(String(200), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    rules: Mapped[int] = mapped_column()
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
