"""Notices and their deliveries: GET /api/notices, for the office (通知投递)."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from warning.auth.principal import Principal
from warning.auth.visibility import NOTICE_READERS
from warning.notify.messages import KIND_TITLES
from warning.notify.tracking import NoticeState, NoticeView, list_notices
from warning.web.deps import IdQuery, OffsetQuery, SessionDep
from warning.web.routing import SessionRouter
from warning.web.security import require_roles

router = SessionRouter(prefix="/api", tags=["notices"])
OfficeDep = Annotated[Principal, Depends(require_roles(*NOTICE_READERS))]


class DeliveryOut(BaseModel):
    channel: str = Field(description="email | webhook")
    target: str = Field(description="an address, or a webhook's host only")
    status: str = Field(description="pending | sent | failed")
    attempts: int
    last_error: str
    next_attempt_at: datetime | None = Field(description="when a pending delivery is tried next")
    sent_at: datetime | None


class NoticeOut(BaseModel):
    id: int
    kind: str
    kind_label: str
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
    state_label: str
    deliveries: list[DeliveryOut]


class NoticePage(BaseModel):
    total: int
    items: list[NoticeOut]


def notice_out(view: NoticeView) -> NoticeOut:
    """Return the API form of a notice."""
    return NoticeOut(
        id=view.id, kind=view.kind, kind_label=KIND_TITLES.get(view.kind, view.kind),
        record_id=view.record_id, warning_id=view.warning_id, stage=view.stage,
        level=view.level, audience=view.audience, audience_name=view.audience_name,
        subject=view.subject, created_at=view.created_at, expanded_at=view.expanded_at,
        state=view.state, state_label=view.state.label,
        deliveries=[DeliveryOut(**vars(d)) for d in view.deliveries],
    )


@router.get("/notices", response_model=NoticePage)
def get_notices(
    session: SessionDep, _: OfficeDep,
    state: Annotated[NoticeState | None, Query(description="filter by derived state")] = None,
    record_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
) -> NoticePage:
    """List notices newest first with each delivery's channel, state and retries."""
    views, total = list_notices(session, state=state, record_id=record_id, limit=limit,
                                offset=offset)
    return NoticePage(total=total, items=[notice_out(v) for v in views])
