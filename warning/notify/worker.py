"""Deliver the outbox: expand notices into per-channel deliveries, send, retry with backoff."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import Delivery, Department, Notice, Person, User
from warning.domain.lifecycle import Role
from warning.notify.channels import NotifyConfig, send_email, send_webhook
from warning.notify.outbox import OFFICE

log = logging.getLogger(__name__)
Sender = Callable[[NotifyConfig, str, str, str], None]
SENDERS: dict[str, Sender] = {"email": send_email, "webhook": send_webhook}


@dataclass
class DeliveryRun:
    """What one pass of the worker did."""

    expanded: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(config: NotifyConfig, attempts: int) -> timedelta:
    """Return the wait before attempt `attempts + 1`: exponential, capped."""
    seconds = min(config.backoff_cap_seconds, config.backoff_base_seconds * 2 ** (attempts - 1))
    return timedelta(seconds=seconds)


def _emails(session: Session, config: NotifyConfig, audience: str) -> list[str]:
    kind, _, ident = audience.partition(":")
    users = select(User.email).where(User.is_active, User.email != "")
    if kind == "department":
        found = session.scalars(users.where(User.role == Role.HANDLER.value,
                                            User.department_id == int(ident)))
        return list(found)
    if kind == "person":
        person = session.scalar(select(Person.email).where(Person.id == int(ident)))
        return [e for e in [person, *session.scalars(users.where(User.person_id == int(ident)))]
                if e]
    office = users.where(or_(User.role == Role.OFFICE.value, User.role == Role.ADMIN.value))
    return [*session.scalars(office), *config.office_emails]


def _webhook(session: Session, config: NotifyConfig, audience: str) -> str:
    if audience in config.webhooks:
        return config.webhooks[audience]
    kind, _, ident = audience.partition(":")
    if kind == "department":
        code = session.scalar(select(Department.code).where(Department.id == int(ident)))
        if code and f"department:{code}" in config.webhooks:
            return config.webhooks[f"department:{code}"]
    return config.webhooks.get("*", "") if audience == OFFICE or kind == "department" else ""


def expand(session: Session, config: NotifyConfig, now: datetime, limit: int = 500) -> int:
    """Create the deliveries of notices not yet expanded; return how many notices."""
    notices = session.scalars(
        select(Notice).where(Notice.expanded_at.is_(None)).order_by(Notice.id).limit(limit)
    ).all()
    for notice in notices:
        targets = {("email", e) for e in _emails(session, config, notice.audience)}
        url = _webhook(session, config, notice.audience)
        if url:
            targets.add(("webhook", url))
        for channel, target in sorted(targets):
            session.add(Delivery(notice_id=notice.id, channel=channel, target=target,
                                 next_attempt_at=now))
        notice.expanded_at = now
    return len(notices)


def deliver_once(
    session_factory: sessionmaker[Session], config: NotifyConfig, now: datetime | None = None,
    limit: int = 200,
) -> DeliveryRun:
    """Expand new notices, then try every due delivery once; channels fail independently."""
    now = now or datetime.now(UTC)
    run = DeliveryRun()
    with transaction(session_factory) as session:
        run.expanded = expand(session, config, now)
        due = session.execute(
            select(Delivery.id, Delivery.channel, Delivery.target, Notice.subject, Notice.body)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.id).limit(limit)
        ).all()
    outcomes: list[tuple[int, str]] = []
    for delivery_id, channel, target, subject, body in due:
        try:
            SENDERS[channel](config, target, subject, body)
            outcomes.append((delivery_id, ""))
        except Exception as error:  # any failure is retried, never fatal
            outcomes.append((delivery_id, f"{type(error).__name__}: {error}"[:1000]))
    with transaction(session_factory) as session:
        for delivery_id, error in outcomes:
            _record(session.get_one(Delivery, delivery_id), error, config, now, run)
    return run


def _record(
    delivery: Delivery, error: str, config: NotifyConfig, now: datetime, run: DeliveryRun
) -> None:
    delivery.attempts += 1
    if not error:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, ""
        run.sent += 1
        return
    delivery.last_error = error
    if delivery.attempts >= config.max_attempts:
        delivery.status = "failed"
        run.failed += 1
        log.warning("delivery %s failed for good: %s", delivery.id, error)
        return
    delivery.next_attempt_at = now + backoff(config, delivery.attempts)
    run.retried += 1
