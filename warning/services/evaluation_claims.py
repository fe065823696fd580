"""Who evaluates which stored signal, and what a failed evaluation does to it.

A signal is claimed for evaluation (a lease with an owner and an expiry): the intake that
stores it holds the lease from the insert, and anything else (the retry job, a feed scan, a
re-run import) claims it first. A failed evaluation counts an attempt; a signal that fails
alone `max_attempts` times is `dead`, with its last error, and is not tried again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from warning.db.claims import claim, process_owner
from warning.db.models import Signal
from warning.db.value_list import among
from warning.domain.enums import SignalStatus

RETRYABLE = (SignalStatus.RECEIVED.value, SignalStatus.FAILED.value)
SIGNALS = Signal.__table__


@dataclass(frozen=True)
class EvaluationPolicy:
    """How long a claim lasts, how often a failing signal is tried, and how far apart."""

    lease_seconds: float = 300.0
    max_attempts: int = 5
    backoff_base_seconds: float = 60.0
    backoff_cap_seconds: float = 3600.0
    batch_size: int = 50

    def backoff(self, attempts: int) -> timedelta:
        """Return the wait after the `attempts`-th failure: exponential, capped."""
        seconds = self.backoff_base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(self.backoff_cap_seconds, seconds))


def lease_columns(policy: EvaluationPolicy, now: datetime) -> dict[str, Any]:
    """Return the lease a signal is stored with by the process that will evaluate it."""
    return {"lease_owner": process_owner(),
            "lease_expires_at": now + timedelta(seconds=policy.lease_seconds)}


def claim_ids(
    session: Session, ids: Sequence[int], policy: EvaluationPolicy, now: datetime
) -> list[int]:
    """Claim these signals where not evaluated and not held by another process."""
    if not ids:
        return []
    owner = process_owner()
    # A lease of ours that has expired may be being claimed by another process right now:
    # take it back through claim(), which locks, instead of assuming it is still ours.
    mine = select(Signal.id).where(among(Signal.id, ids), Signal.lease_owner == owner,
                                   Signal.lease_expires_at >= now,
                                   Signal.status.in_(RETRYABLE))
    held = set(session.scalars(mine))
    others = [i for i in ids if i not in held]
    until = now + timedelta(seconds=policy.lease_seconds)
    claimed = claim(session, SIGNALS, where=[among(SIGNALS.c.id, others),
                                             SIGNALS.c.status.in_(RETRYABLE)],
                    order_by=[SIGNALS.c.id], limit=len(others), owner=owner, now=now,
                    until=until) if others else []
    return sorted(held | set(claimed))


def claim_due(session: Session, policy: EvaluationPolicy, now: datetime) -> list[int]:
    """Claim the next small batch of signals due for (another) evaluation, oldest due first."""
    due = SIGNALS.c.next_attempt_at
    return claim(
        session, SIGNALS,
        where=[SIGNALS.c.status.in_(RETRYABLE), (due.is_(None)) | (due <= now)],
        order_by=[due.asc().nulls_first(), SIGNALS.c.id], limit=policy.batch_size,
        owner=process_owner(), now=now, until=now + timedelta(seconds=policy.lease_seconds),
    )


def not_evaluated(ids: Sequence[int]) -> ColumnElement[bool]:
    """Match these signals unless already evaluated (nothing overwrites `evaluated`)."""
    return among(Signal.id, ids) & (Signal.status != SignalStatus.EVALUATED.value)


def mark_evaluated(session: Session, ids: Sequence[int], *, book: str) -> None:
    """Mark signals evaluated by the rule book `book` (its digest) and release their lease."""
    session.execute(
        update(Signal).where(not_evaluated(ids))
        .values(status=SignalStatus.EVALUATED.value, last_error="", lease_owner="",
                lease_expires_at=None, next_attempt_at=None, rule_book=book)
        .execution_options(synchronize_session=False)
    )


def record_failure(
    session: Session, ids: Sequence[int], error: str, policy: EvaluationPolicy, now: datetime,
) -> None:
    """Count a failed attempt; a signal that failed alone waits (backoff) or is dead.

    A batch that fails is not blamed on each of its signals: they are retried at once, each
    alone, so a bad signal fails only itself.
    """
    if len(ids) != 1:
        session.execute(
            update(Signal).where(not_evaluated(ids))
            .values(status=SignalStatus.FAILED.value, attempts=Signal.attempts + 1,
                    last_error=error, next_attempt_at=now, lease_owner="",
                    lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        return
    attempts = session.scalar(select(Signal.attempts).where(Signal.id == ids[0])) or 0
    attempts += 1
    dead = attempts >= policy.max_attempts
    session.execute(
        update(Signal).where(not_evaluated(ids))
        .values(status=SignalStatus.DEAD.value if dead else SignalStatus.FAILED.value,
                attempts=attempts, last_error=error,
                next_attempt_at=None if dead else now + policy.backoff(attempts),
                lease_owner="", lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def requeue(session: Session, ids: Sequence[int] | None = None) -> int:
    """Give dead (or, by id, failed) signals a fresh set of attempts; return how many."""
    dead = Signal.status == SignalStatus.DEAD.value
    where = dead if ids is None else among(Signal.id, ids) & (
        dead | (Signal.status == SignalStatus.FAILED.value))
    return session.execute(
        update(Signal).where(where)
        .values(status=SignalStatus.RECEIVED.value, attempts=0, next_attempt_at=None,
                lease_owner="", lease_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def dead_count(session: Session) -> int:
    """Return how many signals are dead (an operational figure: no content, no scope)."""
    return session.scalar(select(func.count()).select_from(Signal)
                          .where(Signal.status == SignalStatus.DEAD.value)) or 0
