"""The HTML pages (zh-CN) for office staff, department handlers and reviewers."""

import logging
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from warning.domain.sizes import limit_size
from warning.web.pages import (
    admin_org,
    admin_users,
    channels,
    dashboard,
    handling_actions,
    inbox,
    login,
    notices,
    petition_office,
    petitions,
    public_report,
    record_print,
    register,
    register_edit,
    review,
    risk_warnings,
    rules,
    search,
    security_log,
    signal_form,
    signals,
    triage,
)
from warning.web.pages.csrf import CsrfRefused, FormTextRefused, end_session
from warning.web.pages.render import LoginRequired, PageNotFound, build_templates, render
from warning.web.refusals import log_refusal
from warning.web.routing import SessionRouter
from warning.web.security import SESSION_COOKIE

log = logging.getLogger(__name__)
router = SessionRouter(include_in_schema=False)
for _module in (login, dashboard, signal_form, signals, risk_warnings, register, channels, rules):
    router.include_router(_module.router)
router.include_router(petitions.router)
router.include_router(petition_office.router)
router.include_router(public_report.router)
for _module in (handling_actions, inbox, notices, review, record_print, register_edit,
                security_log, admin_org, admin_users, search, triage):
    router.include_router(_module.router)


NOT_PAGES = ("/api", "/static", "/healthz", "/readyz", "/metrics", "/docs", "/openapi", "/redoc")


def _wants_page(request: Request) -> bool:
    if request.url.path.startswith(NOT_PAGES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _back(request: Request) -> str:
    """Return the same-site page the request came from, or "/"."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.headers.get("host", "")
    back = (referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else ""
    return back if back.startswith("/") and not back.startswith("//") else "/"


def bad_text_page(
    scope: Scope, where: str, name: str, problem: str, values: dict[str, str],
) -> Response | None:
    """Return the page refusing a page request whose `where` field `name` cannot be stored.

    Every form a page posts is answered here (a browser's or not: a page route has no JSON
    answer); a path or query only when a browser asked for a page. The public report form
    is shown again with the field marked; any other page gets the Chinese 422 page.
    """
    request = Request(scope)
    path = request.url.path
    if path.startswith(NOT_PAGES) or (where != "form" and not _wants_page(request)):
        return None
    if path == "/report" and where == "form":
        return public_report.refused_text(request, name, problem, values)
    field = {"path": "地址", "query": f"查询参数 {name}"}.get(where, name)
    return render(request, "errors/422.html", {"field": field, "problem": problem,
                                               "back": _back(request)}, status_code=422)


def too_large_page(scope: Scope, limit: int) -> Response | None:
    """Return the Chinese 413 page for a browser's form over `limit` bytes; None for the API."""
    request = Request(scope)
    if not _wants_page(request):
        return None
    if request.url.path == "/report":
        return public_report.too_large(request, limit)
    return render(request, "errors/413.html", {
        "limit": limit_size(limit), "back": _back(request)}, status_code=413)


def error_page(request: Request, status: int) -> Response | None:
    """Return the Chinese page of a server-side failure (500, 507) for a browser; None for
    the API or when the page itself cannot be drawn (the JSON answer is used then)."""
    if not _wants_page(request):
        return None
    try:
        return render(request, f"errors/{status}.html", {"back": _back(request)},
                      status_code=status)
    except Exception:  # the failure may be in what a page needs (the session, templates)
        log.exception("the %d page could not be drawn", status)
        return None


def install(app: FastAPI) -> None:
    """Add the pages, their templates and the Chinese 404 and 403 pages to `app`."""
    app.state.page_templates = build_templates(app.state.runtime.settings.timezone)
    app.state.error_page = error_page
    app.include_router(router)
    previous = app.exception_handlers.get(StarletteHTTPException)

    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        await log_refusal(request, 404, f"页面对象不存在或不可见: {exc.what}")
        return render(request, "errors/404.html", {"what": exc.what}, status_code=404)

    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        await log_refusal(request, 403, "表单校验码无效 (CSRF)")
        return render(request, "errors/403.html", {}, status_code=403)

    async def _http(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and _wants_page(
            request
        ):
            return render(request, "errors/404.html", {"what": "页面"}, status_code=404)
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 400 and (
            request.method == "POST" and not request.url.path.startswith(NOT_PAGES)
        ):
            # A page form Starlette could not parse (no multipart boundary, too many fields
            # or files): the page's answer, not the API's "not valid UTF-8 JSON"
            await log_refusal(request, 400, "表单无法解析")
            return render(request, "errors/400.html", {
                "detail": str(exc.detail)[:200], "back": _back(request)}, status_code=400)
        assert previous is not None
        return await previous(request, exc)  # type: ignore[no-any-return]

    async def _bad_text(request: Request, exc: FormTextRefused) -> Response:
        await log_refusal(request, 422, f"表单字段 {exc.field} 含无法保存的字符")
        page = bad_text_page(request.scope, "form", exc.field, exc.problem, exc.values)
        assert page is not None  # check_form is the pages' own
        return page

    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method not in ("GET", "HEAD"):
            # A form's address answers only POST: after signing in, go back to its page
            target = _back(request)
        if not exc.reason:
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        end_session(request)
        page = render(request, "auth/login.html", {
            "next": target, "name": "", "error": f"{exc.reason}，请重新登录",
            "error_en": exc.reason_en}, status_code=401)
        page.delete_cookie(SESSION_COOKIE)
        return page

    app.add_exception_handler(LoginRequired, _login)  # type: ignore[arg-type]
    app.add_exception_handler(PageNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _csrf)  # type: ignore[arg-type]
    app.add_exception_handler(FormTextRefused, _bad_text)  # type: ignore[arg-type]
    if previous is not None:
        app.add_exception_handler(StarletteHTTPException, _http)
