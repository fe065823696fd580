"""登记信号: the form that logs one signal, with errors shown beside their fields."""

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.db.models import Channel
from warning.domain.enums import ChannelKind
from warning.domain.lifecycle import Role
from warning.services.intake import IntakeOutcome
from warning.services.signal_input import SignalIn
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages import reporter_form
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.form_keys import FORM_KEY, external_id_of, kept_or_new
from warning.web.pages.petition_filing import file_from_office
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.pages.signals import filter_options
from warning.web.routing import SessionRouter

router = SessionRouter()

FIELDS = ("channel", "external_id", "title", "text", "department", "person", "post",
          "amount", "occurred_at")
LABELS = {"channel": "渠道", "external_id": "来文编号", "title": "标题", "text": "内容",
          "department": "涉及部门", "person": "涉及人员", "post": "涉及岗位", "amount": "涉及金额",
          "occurred_at": "发生时间"}
CHOICES = ("channel", "department")
MESSAGES = {
    "amount": "金额须为不小于 0 的数字（单位：元），如 12000.50",
    "occurred_at": "时间格式应为 年-月-日 时:分，如 2026-03-02 09:30",
}


def _message(error: dict[str, Any]) -> tuple[str, str]:
    name = str(error["loc"][0]) if error.get("loc") else "title"
    label = LABELS.get(name, name)
    kind = error.get("type", "")
    if kind in ("missing", "string_too_short"):
        return name, f"请选择{label}" if name in CHOICES else f"请填写{label}"
    if kind == "value_error" and name in ("occurred_at", "amount"):  # says what is wrong
        return name, str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "string_too_long":
        return name, f"{label}不能超过 {error.get('ctx', {}).get('max_length', '')} 字"
    return name, MESSAGES.get(name, f"{label}填写有误")


def parse_form(values: dict[str, str], timezone: str) -> tuple[SignalIn | None, dict[str, str]]:
    """Turn the form's values into a SignalIn, or return the errors by field."""
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    errors: dict[str, str] = {}
    data.setdefault("external_id", "WEB-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S-")
                    + secrets.token_hex(3).upper())
    if "occurred_at" in data:
        try:
            moment = datetime.fromisoformat(data["occurred_at"].replace(" ", "T"))
        except ValueError:
            errors["occurred_at"] = MESSAGES["occurred_at"]
            del data["occurred_at"]
        else:
            data["occurred_at"] = (moment.replace(tzinfo=ZoneInfo(timezone))
                                   if moment.tzinfo is None else moment)
    try:
        item = SignalIn(**data)
    except ValidationError as error:
        for problem in error.errors():
            name, message = _message(dict(problem))
            errors.setdefault(name, message)
        return None, errors
    return (None, errors) if errors else (item, errors)


def _form_page(
    request: Request, session: Session, principal: Principal | None,
    values: dict[str, str], errors: dict[str, str], status_code: int = 200,
) -> HTMLResponse:
    options = filter_options(session, principal)
    options["channels"] = [c for c in options["channels"]
                           if c.enabled and c.kind != ChannelKind.FEED.value]
    return render(request, "signals/new.html", {
        "nav": "signals", "values": values, "errors": errors, **options,
        "modes": reporter_form.MODES,
    }, status_code=status_code)


@router.get("/signals/new", response_class=HTMLResponse)
def new_signal(request: Request, session: SessionDep, principal: PagePrincipal) -> HTMLResponse:
    """Show the empty form."""
    _office_only(principal)
    values = {name: "" for name in (*FIELDS, *reporter_form.FIELDS)} | {
        "channel": request.query_params.get("channel", ""), FORM_KEY: kept_or_new("")}
    return _form_page(request, session, principal, values, {})


def _office_only(principal: Principal | None) -> None:
    """Only the office logs signals; others are told the page does not exist."""
    if principal is not None and principal.role not in (Role.OFFICE, Role.ADMIN):
        raise PageNotFound("页面")


@router.post("/signals/new", response_class=HTMLResponse)
async def post_signal(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> Response:
    """Log a signal; on success go to its page, else show the form again with the errors."""
    _office_only(principal)
    form = await request.form()
    check_form(request, form)
    values = {name: form_text(form, name).strip()
              for name in (*FIELDS, *reporter_form.FIELDS)}
    values[FORM_KEY] = kept_or_new(form_text(form, FORM_KEY).strip())
    # With no 来文编号 typed, the signal is stored under its form's key: sent twice, one signal.
    keyed = None if values["external_id"] else external_id_of(values[FORM_KEY])
    fields = {name: values[name] for name in FIELDS} | ({"external_id": keyed} if keyed else {})
    item, errors = parse_form(fields, runtime.settings.timezone)
    confidential = session.scalar(
        select(Channel.confidential).where(Channel.code == values["channel"]))
    # Give the connection back before waiting on a thread or the intake writer, which need
    # one each: held meanwhile, a burst of forms beyond the pool starved them (and the
    # event loop, which waits on the pool for the next request's read). A later use of the
    # session (the form again) begins anew.
    session.close()
    if confidential:
        return await file_from_office(request, session, principal, item, values, errors,
                                      _form_page, keyed=keyed)
    if any(values[name] for name in reporter_form.IDENTITY):
        errors.setdefault(next(n for n in reporter_form.IDENTITY if values[n]),
                          "只有保密渠道（如信访举报）可以登记举报人信息")
    if item is None or errors:
        return _form_page(request, session, principal, values, errors, 422)
    outcome: IntakeOutcome = await asyncio.wrap_future(runtime.submit_signal(item))
    if outcome.error is not None:
        errors = {outcome.error.field or "title": outcome.error.message}
        return _form_page(request, session, principal, values, errors, 422)
    result = "created" if outcome.created else "repeat" if keyed else "existing"
    return RedirectResponse(f"/signals/{outcome.signal_id}?result={result}", status_code=303)
