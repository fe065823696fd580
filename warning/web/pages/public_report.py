"""The public report page (no sign-in): file a report, get a receipt code, look up progress.

Nothing here reads who is signed in; the only data it shows is the departments' names and,
for a receipt code, the report's public status and the office's message to the reporter.
"""

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import Response

from warning.domain.lifecycle import DomainError
from warning.domain.sizes import limit_size
from warning.handling import attachments as files
from warning.handling.errors import AttachmentRefused
from warning.petitions.checks import MARKUP, IntakeMode, has_markup
from warning.petitions.errors import ReporterNotFound
from warning.petitions.filing import file_petition
from warning.petitions.input import PetitionIn
from warning.petitions.receipts import LOOKUP_FLOOR_SECONDS, StoredRateLimiter
from warning.petitions.service import receipt_status
from warning.queries.public_report import is_department, reportable_departments
from warning.web.app_state import attachment_settings
from warning.web.deps import SessionDep
from warning.web.pages import reporter_form
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.form_keys import FORM_KEY, external_id_of, kept_or_new
from warning.web.pages.petition_filing import lookup_address, receipt_page
from warning.web.pages.petition_panel import cipher_or_problem
from warning.web.pages.render import render
from warning.web.routing import SessionRouter

router = SessionRouter()

FIELDS = ("title", "text", "department", "person", *reporter_form.FIELDS)
LIMITS = {"title": 200, "text": 20_000, "person": 100}
LABELS = {"title": "标题", "text": "举报内容", "person": "被反映人", "department": "被反映部门"}
BUSY = "提交过于频繁，请稍后再试"
# Each form the page shows carries a key of its own (warning.web.pages.form_keys), so the
# same form sent twice (a double click, a reload that posts again, two requests at once)
# files one report, and the second is told so.
SENT_ALREADY = ("这份举报已经提交过，未重复受理。回执码只在第一次提交后显示；"
                "如果没有记下回执码，可以重新填写一份举报。")


def _limiter(request: Request, name: str, capacity: int, period: float) -> StoredRateLimiter:
    """Return the app's stored limiter `name` (made on first use; a test may set its own)."""
    state = request.app.state
    if not hasattr(state, name):
        action = "receipt" if name == "receipt_limiter" else "report"
        setattr(state, name, StoredRateLimiter(state.runtime.sessions, capacity=capacity,
                                               period=period, action=action,
                                               secret=state.runtime.settings.secret_key))
    limiter: StoredRateLimiter = getattr(state, name)
    return limiter


def report_limiter(request: Request) -> StoredRateLimiter:
    """Ten reports per client address per ten minutes."""
    return _limiter(request, "report_limiter", 10, 600.0)


def receipt_limiter(request: Request) -> StoredRateLimiter:
    """Five lookups per client address per minute, the bucket the API's lookup uses too."""
    return _limiter(request, "receipt_limiter", 5, 60.0)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form_page(request: Request, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200, notice: str = "") -> HTMLResponse:
    with request.app.state.runtime.sessions() as session:
        departments = reportable_departments(session)
    _, max_bytes = attachment_settings(request)
    values = {**values, FORM_KEY: kept_or_new(values.get(FORM_KEY, ""))}
    return render(request, "report/form.html", {
        "values": values, "errors": errors, "departments": departments, "notice": notice,
        "max_size": limit_size(max_bytes), "allowed": ", ".join(files.ALLOWED),
        "limits": LIMITS,
    }, status_code=status_code)


def too_large(request: Request, limit: int) -> HTMLResponse:
    """The report form again, when the whole request was over the body limit (a huge file)."""
    message = f"附件过大：整个提交不能超过 {limit_size(limit)}，请压缩或删减后重新选择。"
    values = dict.fromkeys(FIELDS, "")
    return _form_page(request, values, {"attachment": message}, 413,
                      "提交内容过大，未保存。请重新填写并选择较小的附件。")


def refused_text(request: Request, name: str, problem: str,
                 values: dict[str, str]) -> HTMLResponse:
    """The report form again, with what was typed, when field `name` cannot be stored."""
    shown = {field: values.get(field, "").strip() for field in (*FIELDS, FORM_KEY)}
    label = LABELS.get(name, "填写的内容")
    return _form_page(request, shown, {name if name in FIELDS else "title": f"{label}{problem}"},
                      422, "提交的内容含有无法保存的字符，未保存。请删除后重新提交。")


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    """Show the empty public report form."""
    return _form_page(request, dict.fromkeys(FIELDS, ""), {})


def _check_texts(values: dict[str, str], session: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("title", "text"):
        if not values[name]:
            errors[name] = f"请填写{LABELS[name]}"
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = f"{LABELS[name]}不能超过 {limit} 字"
        elif has_markup(values[name]):
            errors[name] = f"{LABELS[name]}{MARKUP}"
    if values["department"] and not is_department(session, values["department"]):
        errors["department"] = "请从列表中选择被反映部门，或留空"
    return errors


async def _attachment(request: Request, upload: Any) -> tuple[list[files.Prepared], str]:
    """Return the checked attachment (none, or one), or the message why it was refused."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return [], ""
    _, max_bytes = attachment_settings(request)
    content = await upload.read(max_bytes + 1)
    try:
        return files.prepare_files([(upload.filename, content)], max_bytes), ""
    except AttachmentRefused as error:
        if isinstance(error, files.AttachmentTooLarge):
            return [], f"附件不能超过 {limit_size(max_bytes)}"
        return [], error.message


@router.post("/report", response_class=HTMLResponse)
async def file_report(request: Request, session: SessionDep) -> Response:
    """File a public report; show its receipt code once, or the form with the errors."""
    form = await request.form(max_files=2, max_fields=40)
    check_form(request, form)
    values = {name: _text(form.get(name)) for name in (*FIELDS, FORM_KEY)}
    if not await run_in_threadpool(report_limiter(request).allow, _client(request)):
        response = _form_page(request, values, {}, 429, BUSY)
        response.headers["Retry-After"] = str(report_limiter(request).retry_after())
        return response
    errors = _check_texts(values, session)
    session.close()  # its connection back before waiting on threads (see signal_form)
    part, reporter_errors = reporter_form.read_reporter(values, mode=IntakeMode.ONLINE)
    errors.update({k: v for k, v in reporter_errors.items() if k not in errors})
    prepared, problem = await _attachment(request, form.get("attachment"))
    if problem:
        errors["attachment"] = problem
    if errors:
        return _form_page(request, values, errors, 422)
    runtime = request.app.state.runtime
    try:
        petition = PetitionIn(channel=runtime.settings.public_channel, title=values["title"],
                              text=values["text"], department=values["department"] or None,
                              person=values["person"] or None,
                              external_id=external_id_of(values[FORM_KEY]), **part)
    except ValidationError:
        return _form_page(request, values, {"anonymous": "举报人信息填写有误"}, 422)
    cipher, _ = cipher_or_problem(request)
    directory, _ = attachment_settings(request)
    filed_at_clock = time.time()
    try:
        stored = await run_in_threadpool(
            file_petition, runtime, petition=petition, cipher=cipher, prepared=prepared,
            directory=directory, receipt=True)
    except DomainError as error:
        if error.details.get("field") == "external_id":
            return _form_page(request, {**values, FORM_KEY: ""}, {}, 409, SENT_ALREADY)
        # A named report with no reporter key configured, or the channel switched off:
        # the reporter is told to try later or report anonymously; nothing was stored.
        return _form_page(request, values, {}, 503,
                          f"暂时无法受理网上举报（{error.message}），请稍后再试或选择匿名举报。")
    return receipt_page(request, "report/filed.html", stored,
                        datetime.fromtimestamp(filed_at_clock, UTC))


@router.get("/report/lookup", response_class=HTMLResponse)
def lookup_form(request: Request) -> HTMLResponse:
    """Show the receipt-code lookup form."""
    return render(request, "report/lookup.html", {"code": "", "error": "", "found": None,
                                                  "lookup_url": lookup_address(request)})


@router.post("/report/lookup", response_class=HTMLResponse)
async def look_up(request: Request) -> HTMLResponse:
    """Show a report's public status for a receipt code; the same answer for any wrong code."""
    started = time.monotonic()
    form = await request.form()
    check_form(request, form)
    code = form_text(form, "code").strip()[:64]
    status_code, error, found = 200, "", None
    if not code:
        status_code, error = 422, "请输入回执码"
    elif not await run_in_threadpool(receipt_limiter(request).allow, _client(request)):
        status_code, error = 429, "查询过于频繁，请稍后再试"
    else:
        try:
            found = await run_in_threadpool(_status, request, code)
        except ReporterNotFound:
            status_code, error = 404, "回执码无效或不存在，请核对后重新输入"
    await asyncio.sleep(max(0.0, LOOKUP_FLOOR_SECONDS - (time.monotonic() - started)))
    response = render(request, "report/lookup.html", {
        "code": "", "error": error, "found": found,
        "lookup_url": lookup_address(request)}, status_code=status_code)
    if status_code == 429:
        response.headers["Retry-After"] = str(receipt_limiter(request).retry_after())
    return response


def _status(request: Request, code: str) -> Any:
    with request.app.state.runtime.sessions() as session:
        return receipt_status(session, code)
