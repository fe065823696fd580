"""The HTML pages (zh-CN) for office staff, department handlers and reviewers."""

from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

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
from warning.web.pages.csrf import CsrfRefused
from warning.web.pages.render import LoginRequired, PageNotFound, build_templates, render
from warning.web.refusals import log_refusal
from warning.web.routing import SessionRouter
from warning.web.security import SESSION_COOKIE

router = SessionRouter(include_in_schema=False)
for _module in (login, dashboard, signal_form, signals, risk_warnings, register, channels, rules):
    router.include_router(_module.router)
router.include_router(petitions.router)
router.include_router(petition_office.router)
router.include_router(public_report.router)
for _module in (handling_actions, inbox, notices, review, record_print, register_edit,
                security_log, admin_org, admin_users, search, triage):
    router.include_router(_module.router)


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/static", "/healthz", "/docs", "/openapi")):
        return False
    return "text/html" in request.headers.get("accept", "")


def too_large_page(scope: Scope, limit: int) -> Response | None:
    """Return the Chinese 413 page for a browser's form over `limit` bytes; None for the API."""
    request = Request(scope)
    if not _wants_page(request):
        return None
    if request.url.path == "/report":
        return public_report.too_large(request, limit)
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.headers.get("host", "")
    back = (referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else ""
    return render(request, "errors/413.html", {
        "limit_mb": f"{limit / 1_000_000:.3g}", "back": back if back.startswith("/") else "/",
    }, status_code=413)


def install(app: FastAPI) -> None:
    """Add the pages, their templates and the Chinese 404 and 403 pages to `app`."""
    app.state.page_templates = build_templates(app.state.runtime.settings.timezone)
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
        assert previous is not None
        return await previous(request, exc)  # type: ignore[no-any-return]

    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if not exc.reason:
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        page = render(request, "auth/login.html", {
            "next": target, "name": "", "error": f"{exc.reason}，请重新登录",
            "error_en": exc.reason_en}, status_code=401)
        page.delete_cookie(SESSION_COOKIE)
        return page

    app.add_exception_handler(LoginRequired, _login)  # type: ignore[arg-type]
    app.add_exception_handler(PageNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _csrf)  # type: ignore[arg-type]
    if previous is not None:
        app.add_exception_handler(StarletteHTTPException, _http)
