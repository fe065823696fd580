"""Purge sign-in sessions and tokens that can no longer be used."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import ApiToken

REVOKED_KEPT = timedelta(days=30)  # a revoked token stays a while, to show who revoked what


def purge_expired_tokens(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Delete expired sessions and tokens revoked over 30 days ago; return how many."""
    now = now or datetime.now(UTC)
    with transaction(sessions) as session:
        result = session.execute(delete(ApiToken).where(or_(
            ApiToken.expires_at < now, ApiToken.revoked_at < now - REVOKED_KEPT)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
