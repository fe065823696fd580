"""Rule hit figures as a principal may read them: how often each rule hit, and when last;
and the recent rule reload requests (for the office's rules page).

Every hit is a row of `rule_hits` (one per signal and rule, monitor mode included), so the
figures are one grouped query over it, limited to the signals the principal may see: a
department counts only its own signals' hits, never a confidential channel's.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import sees_every_signal, visible_signals
from warning.db.models import RuleHit, RuleReload, Signal
from warning.queries.actors import actor_names


@dataclass(frozen=True)
class RuleHits:
    """How many visible signals a rule hit, and when it last did."""

    count: int
    last_at: datetime | None


def rule_hit_counts(session: Session, principal: Principal | None) -> dict[str, RuleHits]:
    """Return each rule's hit count and last hit over the signals `principal` may see."""
    stmt = (select(RuleHit.rule_id, func.count(), func.max(RuleHit.hit_at))
            .group_by(RuleHit.rule_id))
    if not sees_every_signal(principal):
        # As an IN over the visible signals, not a join: SQLite then reads the department's
        # hits through ix_rule_hits_signal_id instead of every hit (bench/rule_hits_bench.py).
        stmt = stmt.where(RuleHit.signal_id.in_(visible_signals(select(Signal.id), principal)))
    return {rule_id: RuleHits(int(count), last) for rule_id, count, last in session.execute(stmt)}


@dataclass(frozen=True)
class ReloadRequest:
    """One reload asked on the page or the API: when, by whom (in words), on which instance."""

    requested_at: datetime
    actor: str
    instance: str


def recent_reloads(session: Session, limit: int = 5) -> list[ReloadRequest]:
    """Return the newest reload requests, newest first, with the actors' names."""
    rows = session.execute(select(RuleReload.requested_at, RuleReload.actor, RuleReload.instance)
                           .order_by(RuleReload.id.desc()).limit(limit)).all()
    names = actor_names(session, [row.actor for row in rows])
    return [ReloadRequest(row.requested_at, names[row.actor], row.instance) for row in rows]
