"""The office's petition actions on a signal's page: reply to the reporter, open a filed file."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError
from warning.handling import attachments as files
from warning.petitions.errors import ReplyChanged
from warning.petitions.service import petition_file, set_reply
from warning.web.app_state import attachment_settings
from warning.web.deps import SessionDep
from warning.web.disposition import attachment_disposition
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.petition_panel import may_reveal
from warning.web.pages.render import PageNotFound, PagePrincipal
from warning.web.pages.signals import detail_page, signal_view
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.post("/signals/{signal_id}/reply", response_class=HTMLResponse)
async def reply_page(
    signal_id: str, request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Set the office's message to the reporter (给举报人的答复), read with the receipt code."""
    number = parse_int(signal_id)
    if number is None or not may_reveal(principal):
        raise PageNotFound(f"信号 {signal_id}")
    form = await request.form()
    check_form(request, form)
    view = signal_view(session, principal, number)
    if not view.channel.confidential:
        raise PageNotFound(f"信号 {signal_id}")
    text = form_text(form, "reply")
    try:
        set_reply(session, signal_id=view.signal.id, principal=principal, text=text,
                  seen=form_text(form, "reply_seen") if "reply_seen" in form else None)
        session.commit()
    except ReplyChanged as error:
        session.rollback()
        return detail_page(request, session, principal, view.signal.id, reply_error=error.message,
                           status_code=409)
    except DomainError as error:
        session.rollback()
        return detail_page(request, session, principal, view.signal.id, reply_error=error.message,
                           reply_text=text, status_code=422 if "field" in error.details else 404)
    return RedirectResponse(f"/signals/{view.signal.id}?result=replied#reporter", status_code=303)


@router.get("/signals/{signal_id}/files/{sha256}")
def petition_file_page(
    signal_id: str, sha256: str, request: Request, session: SessionDep,
    principal: PagePrincipal,
) -> Response:
    """Download a file filed with a petition (office only; always as a file, never inline)."""
    number = parse_int(signal_id)
    if number is None or not may_reveal(principal):
        raise PageNotFound("文件")
    view = signal_view(session, principal, number)
    found = petition_file(session, signal_id=view.signal.id, sha256=sha256.lower())
    directory, _ = attachment_settings(request)
    if found is None:
        raise PageNotFound("文件")
    path = files.stored_path(directory, found.sha256)
    content = path.read_bytes() if path.is_file() else None
    if content is None or not files.matches_type(found.filename, content):
        raise PageNotFound("文件")
    ext = files.extension(found.filename)
    return Response(content, media_type=files.MEDIA_TYPES.get(ext, "application/octet-stream"),
                    headers={
        "Content-Disposition": attachment_disposition(found.filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })
