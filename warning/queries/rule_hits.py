"""Rule hit figures as a principal may read them: how often each rule hit, and when last;
and the recent rule reload requests (for the office's rules page).

Every hit is a row of `rule_hits` (one per signal and rule, monitor mode included), so the
figures are one grouped query over it, limited to the hits the principal may count
(`visible_rule_hits`): a department counts only its own signals' hits, never a confidential
channel's, and no one but the office counts a hit on a proposal.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_rule_hits
from warning.db.models import RuleHit, RuleReload
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
    stmt = visible_rule_hits(stmt, principal)
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
