"""Filing a petition from a page: the office's signal form on a confidential channel."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.domain.lifecycle import DomainError
from warning.petitions.filing import file_petition
from warning.petitions.input import PetitionIn
from warning.petitions.service import StoredPetition
from warning.services.signal_input import SignalIn
from warning.web.pages import reporter_form
from warning.web.pages.petition_panel import NO_KEY, cipher_or_problem
from warning.web.pages.render import render

FormPage = Callable[..., HTMLResponse]
SIGNAL_PART = ("channel", "title", "text", "department", "person", "post", "amount",
               "occurred_at")
# The panel's NO_KEY is about reading a reporter; here the office is filing one.
NO_KEY_TO_FILE = ("未配置举报人信息密钥（QINGFENG_REPORTER_KEY 或 QINGFENG_REPORTER_KEY_FILE），"
                  "暂不能登记实名举报人。请联系系统管理员配置密钥，或按匿名举报登记。")
SENT_ALREADY = "这份表单已经提交过，未重复登记；第一次提交登记的信号见信号列表。"


def lookup_address(request: Request) -> str:
    """Return the public lookup page's address as printed on a receipt slip."""
    base = request.app.state.runtime.settings.public_base_url.rstrip("/")
    return f"{base or str(request.base_url).rstrip('/')}/report/lookup"


def receipt_page(
    request: Request, template: str, stored: StoredPetition, filed_at: datetime,
    context: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Render the page that shows a receipt code once, with its printable slip."""
    response = render(request, template, {
        "code": stored.receipt_code, "filed_at": filed_at, "signal_id": stored.signal_id,
        "lookup_url": lookup_address(request), **(context or {}),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


async def file_from_office(
    request: Request, session: Session, principal: Principal, item: SignalIn | None,
    values: dict[str, str], errors: dict[str, str], form_page: FormPage, *,
    keyed: str | None = None,
) -> Response:
    """Log a petition with its reporter from the signal form; show a receipt if anonymous.

    `keyed` is the external id made from the form's key when no 来文编号 was typed: the
    same form sent again goes to the petition it filed, whose receipt code is not shown again.
    """
    part, reporter_errors = reporter_form.read_reporter(values)
    errors = {**errors, **{k: v for k, v in reporter_errors.items() if k not in errors}}
    if item is None or errors:
        return form_page(request, session, principal, values, errors, 422)
    try:
        petition = PetitionIn(**{k: getattr(item, k) for k in SIGNAL_PART}, **part,
                              external_id=values.get("external_id") or keyed)
    except ValidationError as error:
        first = error.errors()[0]
        return form_page(request, session, principal, values,
                         {"anonymous": str(first.get("msg", "填写有误"))}, 422)
    cipher, key_problem = cipher_or_problem(request)
    filed_at = datetime.now(UTC)
    try:
        stored = await run_in_threadpool(
            file_petition, request.app.state.runtime, petition=petition, cipher=cipher)
    except DomainError as error:
        field = str(error.details.get("field") or "reporter_name")
        if keyed is not None and field == "external_id":
            first = error.details.get("signal_id")
            if first is not None:
                return RedirectResponse(f"/signals/{first}?result=repeat", status_code=303)
            return form_page(request, session, principal, values, {field: SENT_ALREADY}, 409)
        if key_problem and field == "reporter_name":
            message = NO_KEY_TO_FILE if key_problem == NO_KEY else key_problem
        else:
            message = error.message
        return form_page(request, session, principal, values, {field: message}, 422)
    except IntegrityError:  # the same 来文编号 logged by someone else at the same instant
        return form_page(request, session, principal, values,
                         {"external_id": SENT_ALREADY if keyed else "该渠道下此来文编号已登记过"},
                         422)
    if stored.receipt_code is None:
        return RedirectResponse(f"/signals/{stored.signal_id}?result=created", status_code=303)
    return receipt_page(request, "signals/receipt.html", stored, filed_at, {"nav": "signals"})
