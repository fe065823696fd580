"""Purge what can no longer be used or is past its keeping time: tokens, old security records."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import ApiToken, LoginFailure, SecurityEvent

REVOKED_KEPT = timedelta(days=30)  # a revoked token stays a while, to show who revoked what


def purge_expired_tokens(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Delete expired sessions and tokens revoked over 30 days ago; return how many."""
    now = now or datetime.now(UTC)
    with transaction(sessions) as session:
        result = session.execute(delete(ApiToken).where(or_(
            ApiToken.expires_at < now, ApiToken.revoked_at < now - REVOKED_KEPT)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_security_records(sessions: sessionmaker[Session], *, log_days: int,
                           failure_window: timedelta, now: datetime | None = None) -> int:
    """Delete security-log rows older than `log_days` and failed sign-ins that can no longer
    count towards a lockout; return how many rows went."""
    now = now or datetime.now(UTC)
    with transaction(sessions) as session:
        events = session.execute(delete(SecurityEvent).where(
            SecurityEvent.at < now - timedelta(days=log_days)))
        failures = session.execute(delete(LoginFailure).where(
            LoginFailure.at < now - failure_window))
    return int(events.rowcount or 0) + int(failures.rowcount or 0)  # type: ignore[attr-defined]
