"""Deliver the outbox: expand notices into per-channel deliveries, send, retry with backoff."""

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.stored_secrets import DELIVERY_KEY, stored_secret
from warning.db.claims import claim, process_owner
from warning.db.engine import transaction
from warning.db.models import Delivery, Department, Notice, Person, User
from warning.db.value_list import among
from warning.domain.lifecycle import Role
from warning.notify.channels import NotifyConfig, send_email, send_webhook
from warning.notify.outbox import OFFICE

log = logging.getLogger(__name__)
Sender = Callable[[NotifyConfig, str, str, str, str], None]
DELIVERIES = Delivery.__table__
SENDERS: dict[str, Sender] = {"email": send_email, "webhook": send_webhook}


@dataclass
class DeliveryRun:
    """What one pass of the worker did."""

    expanded: int = 0
    unrouted: int = 0  # expanded notices with no recipient: no e-mail, no webhook
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


def targets_of(session: Session, config: NotifyConfig, audience: str) -> set[tuple[str, str]]:
    """Return the (channel, target) pairs an audience is reached by, as configured now."""
    targets = {("email", e) for e in _emails(session, config, audience)}
    url = _webhook(session, config, audience)
    if url:
        targets.add(("webhook", url))
    return targets


def expand(
    session: Session, config: NotifyConfig, now: datetime, limit: int = 500
) -> tuple[int, int]:
    """Claim notices not yet expanded and create their deliveries; return how many notices,
    and how many of them had nobody to go to (shown as 无接收渠道).

    Marking `expanded_at` is the claim, in the same transaction as the deliveries: another
    process's expansion skips (PostgreSQL) or waits for and then excludes (SQLite) them.
    """
    pick = (select(Notice.id).where(Notice.expanded_at.is_(None)).order_by(Notice.id)
            .limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Notice).where(Notice.id.in_(pick.scalar_subquery()), Notice.expanded_at.is_(None))
        .values(expanded_at=now).returning(Notice.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    notices = session.execute(
        select(Notice.id, Notice.audience).where(among(Notice.id, claimed)).order_by(Notice.id)
    ).all()
    unrouted = 0
    for notice_id, audience in notices:
        targets = targets_of(session, config, audience)
        unrouted += not targets
        for channel, target in sorted(targets):
            session.add(Delivery(notice_id=notice_id, channel=channel, target=target,
                                 next_attempt_at=now))
    return len(notices), unrouted


def delivery_key(secret: str, notice_key: str, channel: str, target: str) -> str:
    """Return the idempotency key of one notice to one target, the same on every attempt.

    Keyed (HMAC) with a secret the database keeps: a notice's key names its record's id,
    which records are numbered in sequence, a proposal's when its petition comes in. A
    plain hash of it, read by the department in a Message-ID, gave the id back to a loop
    over small integers, and the gaps between ids count the 待研判 (docs/visibility.md).
    """
    message = f"{notice_key}|{channel}|{target}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def deliver_once(
    session_factory: sessionmaker[Session], config: NotifyConfig, now: datetime | None = None,
    limit: int = 200,
) -> DeliveryRun:
    """Expand new notices, then claim and try due deliveries; channels fail independently.

    Deliveries are claimed in small batches with a lease (warning.db.claims), so any number
    of processes and instances deliver each notice once; one whose deliverer died is taken
    again when its lease expires. Sending stops before the lease could run out.
    """
    now = now or datetime.now(UTC)
    run = DeliveryRun()
    with transaction(session_factory) as session:
        run.expanded, run.unrouted = expand(session, config, now)
    if run.unrouted:
        log.warning("%d 条新通知无接收渠道 (no recipient): 给部门经办人、防控办用户设置邮箱 "
                    "(qingfeng user add --email, 系统管理 → 用户), 或设置 QINGFENG_OFFICE_EMAILS、"
                    "QINGFENG_WEBHOOK_URLS", run.unrouted)
    owner = process_owner()
    tried = 0
    secret = ""
    started = time.monotonic()
    while tried < limit:
        # A run may last long past `now` (slow mail servers): each batch is leased from
        # when it is claimed, or another deliverer could take it while it is being sent.
        claimed_at = time.monotonic()
        at = now + timedelta(seconds=claimed_at - started)
        with transaction(session_factory) as session:
            ids = claim(session, DELIVERIES, owner=owner, now=at,
                        until=at + timedelta(seconds=config.lease_seconds),
                        where=[DELIVERIES.c.status == "pending",
                               DELIVERIES.c.next_attempt_at <= now],
                        order_by=[DELIVERIES.c.next_attempt_at, DELIVERIES.c.id],
                        limit=min(config.batch_size, limit - tried))
            due = session.execute(
                select(Delivery.id, Delivery.channel, Delivery.target, Notice.key,
                       Notice.subject, Notice.body)
                .join(Notice, Notice.id == Delivery.notice_id)
                .where(among(Delivery.id, ids)).order_by(Delivery.id)
            ).all()
        if not due:
            break
        tried += len(due)
        secret = secret or stored_secret(session_factory, DELIVERY_KEY)
        outcomes = _send(config, due, claimed_at + config.lease_seconds, secret)
        with transaction(session_factory) as session:
            for delivery_id, error in outcomes.items():
                delivery = session.get_one(Delivery, delivery_id)
                if delivery.lease_owner == owner:  # else it was taken after our lease ran out
                    _record(delivery, error, config, now, run)
            session.execute(update(Delivery).where(among(Delivery.id, ids),
                                                   Delivery.lease_owner == owner)
                            .values(lease_owner="", lease_expires_at=None))
        if len(outcomes) < len(due):
            break  # the lease ran short: leave the rest to the next run
    return run


def _send(
    config: NotifyConfig, due: Sequence[Any], lease_ends: float, secret: str,
) -> dict[int, str]:
    """Send each claimed delivery while the lease surely lasts; return id -> error ('' sent)."""
    outcomes: dict[int, str] = {}
    for delivery_id, channel, target, notice_key, subject, body in due:
        if time.monotonic() + config.send_limit_seconds + 5 > lease_ends:
            break
        try:
            SENDERS[channel](config, target, subject, body,
                             delivery_key(secret, notice_key, channel, target))
            outcomes[delivery_id] = ""
        except Exception as error:  # any failure is retried, never fatal
            outcomes[delivery_id] = f"{type(error).__name__}: {error}"[:1000]
    return outcomes


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
