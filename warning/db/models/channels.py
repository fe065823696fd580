"""Channels through which signals arrive, with their health."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base, UTCDateTime


class Channel(Base):
    """A channel as loaded from channels/*.yaml, plus its run state."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # ChannelKind value
    confidential: Mapped[bool] = mapped_column(default=False)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    definition_hash: Mapped[str] = mapped_column(String(64), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    # Feed state (kept across restarts).
    url: Mapped[str] = mapped_column(String(2000), default="")
    etag: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    gone: Mapped[bool] = mapped_column(default=False)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str] = mapped_column(String(2000), default="")
