"""Where each notice stands with its deliveries: what the office checks to see who was told."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from warning.db.models import Delivery, Department, HandlingRecord, Notice, Person
from warning.db.value_list import among
from warning.notify.outbox import OFFICE


class NoticeState(StrEnum):
    """A notice's state, from its deliveries (投递状态)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    NO_TARGET = "no_target"

    @property
    def label(self) -> str:
        return NOTICE_STATE_LABELS[self]


NOTICE_STATE_LABELS = {
    NoticeState.PENDING: "待发送",
    NoticeState.SENT: "已送达",
    NoticeState.FAILED: "发送失败",
    NoticeState.NO_TARGET: "无接收渠道",
}
DELIVERY_STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "已放弃",
                          "superseded": "已改投"}  # routed again (warning.notify.requeue)
CHANNEL_LABELS = {"email": "电子邮件", "webhook": "群机器人"}


@dataclass(frozen=True)
class DeliveryView:
    """One delivery of a notice; a webhook shows only its host (its URL holds the robot key)."""

    channel: str
    target: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass
class NoticeView:
    """A notice, its derived state and its deliveries."""

    id: int
    kind: str
    record_id: int | None
    warning_id: int | None
    stage: str
    level: int
    audience: str
    audience_name: str
    subject: str
    created_at: datetime
    expanded_at: datetime | None
    state: NoticeState
    deliveries: list[DeliveryView] = field(default_factory=list)


def _counts() -> Select[Any]:
    status = Delivery.status
    return (
        select(
            Delivery.notice_id,
            func.sum(case((status == "failed", 1), else_=0)).label("failed"),
            func.sum(case((status == "pending", 1), else_=0)).label("pending"),
            func.sum(case((status == "sent", 1), else_=0)).label("sent"),
        )
        .group_by(Delivery.notice_id)
    )


def _state(counts: Any) -> ColumnElement[str]:
    return case(
        (func.coalesce(counts.c.failed, 0) > 0, NoticeState.FAILED.value),
        (Notice.expanded_at.is_(None), NoticeState.PENDING.value),
        (func.coalesce(counts.c.pending, 0) > 0, NoticeState.PENDING.value),
        (func.coalesce(counts.c.sent, 0) > 0, NoticeState.SENT.value),
        else_=NoticeState.NO_TARGET.value,
    )


def list_notices(
    session: Session, *, state: NoticeState | None = None, record_id: int | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[NoticeView], int]:
    """Return one page of notices, newest first, with their deliveries, and how many match."""
    counts = _counts().subquery()
    derived = _state(counts).label("state")
    stmt = (
        select(Notice, HandlingRecord.warning_id, derived)
        .outerjoin(counts, counts.c.notice_id == Notice.id)
        .outerjoin(HandlingRecord, HandlingRecord.id == Notice.record_id)
    )
    if state is not None:
        stmt = stmt.where(_state(counts) == state.value)
    if record_id is not None:
        stmt = stmt.where(Notice.record_id == record_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Notice.id.desc()).limit(limit).offset(offset)).all()
    names = _audience_names(session, [n.audience for n, _, _ in rows])
    views = {
        n.id: NoticeView(n.id, n.kind, n.record_id, warning_id, n.stage, n.level, n.audience,
                         names.get(n.audience, n.audience), n.subject, n.created_at,
                         n.expanded_at, NoticeState(derived_state))
        for n, warning_id, derived_state in rows
    }
    if views:
        deliveries = session.scalars(
            select(Delivery).where(among(Delivery.notice_id, list(views))).order_by(Delivery.id)
        )
        for d in deliveries:
            views[d.notice_id].deliveries.append(DeliveryView(
                d.channel, shown_target(d.channel, d.target), d.status, d.attempts,
                d.last_error, d.next_attempt_at if d.status == "pending" else None, d.sent_at,
            ))
    return list(views.values()), total


def shown_target(channel: str, target: str) -> str:
    """Return a delivery target fit to show: a webhook's host only, never its key."""
    if channel != "webhook":
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "（地址已隐藏）"


def _audience_names(session: Session, audiences: list[str]) -> dict[str, str]:
    ids: dict[str, set[int]] = {"department": set(), "person": set()}
    for audience in audiences:
        kind, _, ident = audience.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names = {OFFICE: "防控办"}
    if ids["department"]:
        for id_, name in session.execute(select(Department.id, Department.name)
                                         .where(among(Department.id, ids["department"]))):
            names[f"department:{id_}"] = name
    if ids["person"]:
        for id_, name in session.execute(select(Person.id, Person.name)
                                         .where(among(Person.id, ids["person"]))):
            names[f"person:{id_}"] = name
    return names


def state_filter(value: str | None) -> NoticeState | None:
    """Read a state filter leniently: an unknown value filters nothing."""
    try:
        return NoticeState(value) if value else None
    except ValueError:
        return None

