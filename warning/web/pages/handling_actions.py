"""办理: take a handling action from the warning page (a POST form, multipart for a report)."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError, State
from warning.handling import attachments as files
from warning.handling.errors import Conflict, NotFound
from warning.handling.records import act
from warning.queries.actors import trail_names
from warning.web.app_state import attachment_settings
from warning.web.deps import SessionDep
from warning.web.errors import DOMAIN_STATUS
from warning.web.pages.action_forms import Submitted, action_context
from warning.web.pages.csrf import check_form
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.pages.risk_warnings import warning_view
from warning.web.pages.triage_panels import proposal_panel
from warning.web.routing import SessionRouter

router = SessionRouter()
FIELD = "attachments"
LIMITS = (("comment", "说明", 10_000), ("responsible_person", "责任人", 100),
          ("measure", "处置措施", 16))


class FormInvalid(DomainError):
    code = "invalid_form"


STATUS_OF = {**DOMAIN_STATUS, FormInvalid.code: 422}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _uploads(form: FormData, limit: int) -> list[tuple[str, bytes]]:
    """Read the chosen files, each at most one byte past the limit (enough to refuse it)."""
    chosen = [f for f in form.getlist(FIELD) if isinstance(f, UploadFile) and f.filename]
    return [(f.filename or "", await f.read(limit + 1)) for f in chosen]


def _version(form: FormData) -> int:
    version = parse_int(_text(form, "version"), low=0)
    if version is None:
        raise FormInvalid("表单缺少版本号，请刷新页面后重试", "the form has no version",
                          field="version")
    return version


def _check_lengths(submitted: Submitted) -> None:
    """Refuse what the API's schema refuses: text longer than its columns allow."""
    for name, label, limit in LIMITS:
        if len(getattr(submitted, name)) > limit:
            raise FormInvalid(f"{label}不能超过 {limit} 字", f"{name} exceeds {limit} characters",
                              field=name)


def _apply(
    session: Session, request: Request, principal: Principal, warning_id: int,
    version: int, submitted: Submitted, uploads: list[tuple[str, bytes]],
) -> None:
    """Check the files, take the action and store the files, in one transaction."""
    directory, limit = attachment_settings(request)
    try:
        prepared = files.prepare_files(uploads, limit)
        act(session, warning_id=warning_id, principal=principal, action=submitted.action,
            version=version, comment=submitted.comment,
            responsible_person=submitted.responsible_person,
            attachments=[p.meta for p in prepared], measure=submitted.measure)
        files.store(prepared, directory)
        session.commit()
    except Exception:
        session.rollback()
        raise


def _message(error: DomainError, current: State) -> str:
    if isinstance(error, Conflict):
        return (f"未保存：该预警已被他人先行办理，处置记录当前状态为“{current.label}”。"
                "请查看下方最新的处置过程后再操作。")
    return f"未保存：{error.message}"


def _refused(
    request: Request, session: Session, principal: Principal, warning_id: int,
    error: DomainError, submitted: Submitted,
) -> HTMLResponse:
    """Show the warning page again, as it now stands, with why the action was refused."""
    view = warning_view(session, principal, warning_id)
    message = _message(error, State(view.record.state))
    context = action_context(principal, view.record, error=message, submitted=submitted)
    names = trail_names(session, view.events, view.department)
    panel = proposal_panel(session, principal, view.warning, view.record)
    return render(request, "warnings/detail.html", {"nav": "warnings", "v": view,
                                                    "actor_names": names, **context, **panel},
                  status_code=STATUS_OF.get(error.code, 400))


@router.post("/warnings/{warning_id}/actions", response_class=HTMLResponse)
async def post_action(
    warning_id: str, request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Take the form's action; go back to the warning page, or show it with the reason."""
    number = parse_int(warning_id)
    if number is None:
        raise PageNotFound(f"预警 {warning_id}")
    form = await request.form()
    try:
        check_form(request, form)
        submitted = Submitted(_text(form, "action"), _text(form, "comment"),
                              _text(form, "responsible_person"), _text(form, "measure"))
        try:
            _check_lengths(submitted)
            uploads = await _uploads(form, attachment_settings(request)[1])
            await run_in_threadpool(_apply, session, request, principal, number,
                                    _version(form), submitted, uploads)
        except NotFound:
            raise PageNotFound(f"预警 {warning_id}") from None
        except DomainError as error:
            return await run_in_threadpool(_refused, request, session, principal,
                                           number, error, submitted)
    finally:
        await form.close()
    return RedirectResponse(f"/warnings/{warning_id}?done={submitted.action}#handling",
                            status_code=303)
