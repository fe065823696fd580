"""研判: the office's forms on a proposal (下达、修改、合并、不予下达) and on a signal
(人工预警、不予处理、标记重复). A refused form shows its page again with the field's reason."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.auth.visibility import reads_proposals
from warning.db.models import Signal
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError
from warning.handling.errors import NotFound
from warning.queries.actors import trail_names
from warning.triage.commands import decide_proposal, decide_signal
from warning.triage.errors import TRIAGE_STATUS
from warning.triage.signal_decisions import SignalNotFound
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.errors import DOMAIN_STATUS
from warning.web.pages.action_forms import action_context
from warning.web.pages.csrf import check_form
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.pages.risk_warnings import warning_view
from warning.web.pages.signals import detail_page
from warning.web.pages.triage_panels import Refusal, TriageForm, proposal_panel, signal_panel
from warning.web.routing import SessionRouter

router = SessionRouter()
STATUS_OF = {**DOMAIN_STATUS, **TRIAGE_STATUS}


def _id(raw: str, what: str) -> int:
    number = parse_int(raw)
    if number is None:
        raise PageNotFound(f"{what} {raw[:20]}")
    return number


def _forbidden(request: Request) -> HTMLResponse:
    return render(request, "errors/403.html", {}, status_code=403)


async def _triage_form(request: Request) -> TriageForm:
    """Read the 研判 form after its CSRF check; the uploaded parts are closed either way."""
    form_data = await request.form()
    try:
        check_form(request, form_data)
        return TriageForm.read(form_data)
    finally:
        await form_data.close()


def _apply_proposal(session: Session, runtime: RuntimeDep, principal: Principal,
                    warning_id: int, form: TriageForm) -> None:
    try:
        decide_proposal(session, warning_id=warning_id, principal=principal, form=form,
                        grading=runtime.rules.current().grading)
        session.commit()
    except Exception:
        session.rollback()
        raise


def _proposal_refused(request: Request, session: Session, principal: Principal,
                      warning_id: int, error: DomainError, form: TriageForm) -> HTMLResponse:
    view = warning_view(session, principal, warning_id)
    names = trail_names(session, view.events, view.department)
    return render(request, "warnings/detail.html", {
        "nav": "warnings", "v": view, "actor_names": names,
        **action_context(principal, view.record),
        **proposal_panel(session, principal, view.warning, view.record,
                         refusal=Refusal.of(error), form=form),
    }, status_code=STATUS_OF.get(error.code, 400))


@router.post("/warnings/{warning_id}/triage", response_class=HTMLResponse)
async def post_proposal(
    warning_id: str, request: Request, session: SessionDep, runtime: RuntimeDep,
    principal: PagePrincipal,
) -> Response:
    """Take the office's 研判 decision on a proposal; back to its page, or the reason."""
    wid = _id(warning_id, "预警")
    form = await _triage_form(request)
    if not reads_proposals(principal):
        return _forbidden(request)
    try:
        await run_in_threadpool(_apply_proposal, session, runtime, principal, wid, form)
    except NotFound:
        raise PageNotFound(f"预警 {wid}") from None
    except DomainError as error:
        return await run_in_threadpool(_proposal_refused, request, session, principal, wid,
                                       error, form)
    return RedirectResponse(f"/warnings/{wid}?triaged={form.decision}#triage", status_code=303)


def _apply_signal(session: Session, runtime: RuntimeDep, principal: Principal,
                  signal_id: int, form: TriageForm) -> int | None:
    try:
        raised = decide_signal(session, signal_id=signal_id, principal=principal, form=form,
                               grading=runtime.rules.current().grading,
                               triage_days=runtime.settings.triage_days)
        session.commit()
        return raised
    except Exception:
        session.rollback()
        raise


@router.post("/signals/{signal_id}/triage", response_class=HTMLResponse)
async def post_signal(
    signal_id: str, request: Request, session: SessionDep, runtime: RuntimeDep,
    principal: PagePrincipal,
) -> Response:
    """Raise a warning by hand for a signal, dismiss it, or mark it a duplicate."""
    sid = _id(signal_id, "信号")
    form = await _triage_form(request)
    if not reads_proposals(principal):
        return _forbidden(request)
    try:
        raised = await run_in_threadpool(_apply_signal, session, runtime, principal, sid, form)
    except SignalNotFound:
        raise PageNotFound(f"信号 {sid}") from None
    except DomainError as error:
        return await run_in_threadpool(_signal_refused, request, session, principal, sid,
                                       error, form)
    if raised is not None:
        return RedirectResponse(f"/warnings/{raised}?triaged=warn#triage", status_code=303)
    done = "dismiss_signal" if form.decision == "dismiss" else form.decision
    return RedirectResponse(f"/signals/{sid}?triaged={done}#triage", status_code=303)


def _signal_refused(request: Request, session: Session, principal: Principal, signal_id: int,
                    error: DomainError, form: TriageForm) -> HTMLResponse:
    """Show the signal's page again with why the form was refused."""
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise PageNotFound(f"信号 {signal_id}")
    panel = signal_panel(session, principal, signal, refusal=Refusal.of(error), form=form)
    return detail_page(request, session, principal, signal_id,
                       status_code=STATUS_OF.get(error.code, 400), triage=panel)
