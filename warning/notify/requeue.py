"""Send again what was given up, to the recipients configured now (`qingfeng notice requeue`).

A delivery is given up after its attempts run out. The usual causes are an outage or a wrong
address; once the office has fixed the cause it requeues. Each notice with a delivery given
up is routed again as its audience is reached now (warning.notify.worker.targets_of): a
target that is still configured is retried; one that is no longer (the address was
corrected, the user disabled, the webhook changed) is marked superseded (已改投) and kept for
the record; a target configured since gets a new delivery, and a superseded one that is configured
again is retried. Deliveries sent or still being tried are left as they are.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from warning.db.models import Delivery, Notice
from warning.db.value_list import among
from warning.notify.channels import NotifyConfig
from warning.notify.worker import targets_of

SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Requeued:
    """What a requeue did: deliveries retried, given-up targets no longer configured, and
    deliveries created for targets configured since."""

    retried: int = 0
    superseded: int = 0
    added: int = 0


def requeue_given_up(
    session: Session, config: NotifyConfig, notice_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Requeued:
    """Route again (all, or these) notices with a delivery given up; see the module."""
    now = now or datetime.now(UTC)
    def having(*statuses: str) -> ColumnElement[bool]:
        return exists().where(Delivery.notice_id == Notice.id, Delivery.status.in_(statuses))

    # a delivery given up, or nothing left but superseded ones (nobody was reachable then)
    stmt = (select(Notice.id, Notice.audience)
            .where(having("failed") | (having(SUPERSEDED) & ~having("sent", "pending")))
            .order_by(Notice.id))
    ids = list(notice_ids)
    if ids:
        stmt = stmt.where(among(Notice.id, ids))
    retried = superseded = added = 0
    for notice_id, audience in session.execute(stmt).all():
        current = targets_of(session, config, audience)
        deliveries = session.scalars(select(Delivery).where(Delivery.notice_id == notice_id))
        known = set()
        for delivery in deliveries:
            known.add((delivery.channel, delivery.target))
            if delivery.status not in ("failed", SUPERSEDED):
                continue
            if (delivery.channel, delivery.target) in current:
                delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
                delivery.lease_owner, delivery.lease_expires_at = "", None
                retried += 1
            elif delivery.status == "failed":
                delivery.status = SUPERSEDED
                superseded += 1
        for channel, target in sorted(current - known):
            session.add(Delivery(notice_id=notice_id, channel=channel, target=target,
                                 next_attempt_at=now))
            added += 1
    session.flush()
    return Requeued(retried, superseded, added)
