"""Handling records: act on a warning, the caller's inbox, a warning's events."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Path as ApiPath
from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from warning.auth.numbering import ShownEvent, record_numbering
from warning.auth.principal import Principal
from warning.domain.input_text import CheckedInput
from warning.domain.lifecycle import Action, DomainError, State
from warning.handling import attachments as files
from warning.handling.downloads import open_attachment
from warning.handling.record_document import record_docx
from warning.handling.record_form import record_form
from warning.handling.records import Acted, act, events_of, inbox
from warning.web.app_state import attachment_settings
from warning.web.db_work import in_session
from warning.web.deps import MAX_ID, IdPath, RuntimeDep, SessionDep
from warning.web.disposition import attachment_disposition
from warning.web.error_docs import errors
from warning.web.errors import DOMAIN_STATUS, ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep

router = SessionRouter(prefix="/api", tags=["handling"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class AttachmentIn(CheckedInput):
    model_config = ConfigDict(extra="forbid")
    filename: str = Field(min_length=1, max_length=200)
    content: str = Field(description="base64")


class ActionIn(CheckedInput):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(max_length=64)
    version: int = Field(ge=0, le=MAX_ID)
    comment: str = Field(default="", max_length=10_000)
    responsible_person: str = Field(default="", max_length=100)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=files.MAX_COUNT)
    measure: str = Field(default="", max_length=16, description=(
        "accept only: the measure applied on closing (reminder, talk, admonition, "
        "rectification or none); default: the grade the warning was issued with"))


class EventOut(BaseModel):
    seq: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    to_state_label: str
    actor: str
    comment: str
    data: dict[str, Any]
    created_at: datetime
    hash: str


class InboxItem(BaseModel):
    warning_id: int
    department_id: int | None
    response: str
    state: str
    state_label: str
    version: int
    responsible_person: str
    receive_due_at: datetime | None
    report_due_at: datetime | None
    overdue_level: int


class ActionOut(BaseModel):
    warning_id: int
    state: str
    state_label: str
    version: int
    event: EventOut


def to_api_error(error: DomainError) -> ApiError:
    """Map a domain error to its HTTP status, keeping its code and messages."""
    return ApiError(DOMAIN_STATUS.get(error.code, 400), error.code, error.message, error.message_en,
                    **error.details)


def _label(value: str, labels: type[Action] | type[State]) -> str:
    try:
        return labels(value).label
    except ValueError:
        return value


def _event(e: ShownEvent) -> EventOut:
    return EventOut(seq=e.seq, action=e.action, action_label=_label(e.action, Action),
                    from_state=e.from_state, to_state=e.to_state,
                    to_state_label=_label(e.to_state, State), actor=e.actor, comment=e.comment,
                    data=dict(e.data), created_at=e.created_at, hash=e.hash)


@router.post("/warnings/{warning_id}/actions", response_model=ActionOut,
             responses=errors(409, 415))
async def post_action(
    warning_id: IdPath, body: ActionIn, request: Request, runtime: RuntimeDep,
    principal: PrincipalDep,
) -> ActionOut:
    """Take an action on a warning's handling record."""
    directory, limit = attachment_settings(request)
    try:
        acted = await in_session(runtime, _take_action, warning_id, principal, body,
                                 directory, limit)
    except DomainError as error:
        raise to_api_error(error) from None
    return ActionOut(warning_id=warning_id, state=acted.state,
                     state_label=_label(acted.state, State), version=acted.version,
                     event=_event(acted.event))


def _take_action(
    session: Session, warning_id: int, principal: Principal, body: ActionIn, directory: Path,
    limit: int,
) -> Acted:
    """Check the attachments, take the action, store the files and commit.

    On PostgreSQL this runs on the event loop (warning.web.db_work): decoding and writing
    attachments blocks it for as long as they take, bounded by the attachment size limit.
    """
    prepared = files.prepare([(a.filename, a.content) for a in body.attachments], limit)
    try:
        acted = act(session, warning_id=warning_id, principal=principal, action=body.action,
                    version=body.version, comment=body.comment,
                    responsible_person=body.responsible_person,
                    attachments=[p.meta for p in prepared], measure=body.measure)
        files.store(prepared, directory)
        session.commit()
    except BaseException:
        session.rollback()  # at once: a SQLite write holds the write gate until it ends
        raise
    return acted


@router.get("/inbox", response_model=list[InboxItem])
async def get_inbox(runtime: RuntimeDep, principal: PrincipalDep) -> list[InboxItem]:
    """List the open records awaiting the caller."""
    return await in_session(runtime, _inbox_items, principal)


def _inbox_items(session: Session, principal: Principal) -> list[InboxItem]:
    return [
        InboxItem(warning_id=w.id, department_id=w.department_id, response=w.response,
                  state=r.state, state_label=_label(r.state, State),
                  version=record_numbering(principal, r).version(r.version),
                  responsible_person=r.responsible_person, receive_due_at=r.receive_due_at,
                  report_due_at=r.report_due_at, overdue_level=r.overdue_level)
        for w, r in inbox(session, principal=principal)
    ]


@router.get("/warnings/{warning_id}/events", response_model=list[EventOut])
async def get_events(warning_id: IdPath, runtime: RuntimeDep,
                     principal: PrincipalDep) -> list[EventOut]:
    """List a warning's handling events in order."""
    try:
        return await in_session(runtime, _events, warning_id, principal)
    except DomainError as error:
        raise to_api_error(error) from None


def _events(session: Session, warning_id: int, principal: Principal) -> list[EventOut]:
    return [_event(e)
            for e in events_of(session, warning_id=warning_id, principal=principal)]


@router.get("/warnings/{warning_id}/attachments/{sha256}", response_class=Response, responses={
    200: {"description": "the file, as a download", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    404: {"description": "no such warning, not visible, or no such attachment on it"},
    409: {"description": "the stored file is not what its name says; refused"},
})
def download_attachment(
    warning_id: Annotated[int, ApiPath(ge=1, le=2**31 - 1)],
    sha256: Annotated[str, ApiPath(pattern="^[0-9a-f]{64}$")],
    request: Request, session: SessionDep, principal: PrincipalDep,
) -> Response:
    """Download an attachment of a warning's handling record (always as a file, never inline)."""
    directory, _ = attachment_settings(request)
    try:
        found = open_attachment(session, warning_id=warning_id, sha256=sha256,
                                principal=principal, directory=directory)
    except DomainError as error:
        raise to_api_error(error) from None
    return Response(found.content, media_type=found.media_type, headers={
        "Content-Disposition": attachment_disposition(found.filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


@router.get("/warnings/{warning_id}/record.docx", response_class=Response, responses={
    200: {"description": "the handling record as the 《廉洁风险预警处置记录》 form (.docx)",
          "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}},
    404: {"description": "no such warning, or not visible to the caller"},
})
def record_document(
    warning_id: Annotated[int, ApiPath(ge=1, le=2**31 - 1)], session: SessionDep,
    principal: PrincipalDep, runtime: RuntimeDep,
) -> Response:
    """Download a warning's handling record as an editable .docx form."""
    try:
        form = record_form(session, principal, warning_id)
    except DomainError as error:
        raise to_api_error(error) from None
    zone = ZoneInfo(runtime.settings.timezone)

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    content = record_docx(form, local, local(datetime.now(UTC)))
    name = f"处置记录-{warning_id}.docx"
    return Response(content, media_type=DOCX, headers={
        "Content-Disposition": attachment_disposition(name, f"record-{warning_id}.docx"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
    })
