"""GET /readyz (can this process serve?) and GET /metrics (Prometheus)."""

import time
from datetime import timedelta
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import inspect, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from warning.db.migrate import head_revision
from warning.domain.lifecycle import Role
from warning.web.proxies import within
from warning.web.routing import SessionRouter
from warning.web.security import look_up, presented_token

router = SessionRouter(tags=["health"])
STALLED_SECONDS = 120  # a due job this late means no scheduler is running
_head = cache(head_revision)  # the code's newest migration does not change while it runs
METRICS_READERS = (Role.OFFICE, Role.ADMIN)


def readiness(runtime: Any) -> dict[str, dict[str, object]]:
    """Check the database, its migrations, the rules in force and the scheduler's jobs."""
    checks: dict[str, dict[str, object]] = {}
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:
        checks["database"] = {"ok": False, "detail": f"{type(error).__name__}: {error}"}
        return checks
    url = runtime.engine.url.render_as_string(hide_password=False)
    current, head = _revision(runtime.engine), _head(url)
    checks["migrations"] = {"ok": current == head, "detail": f"{current} (head {head})"}
    loaded = runtime.rules.loaded()
    rules = len(runtime.rules.describe()) if loaded is not None else 0
    problems = len(getattr(runtime.rules, "problems", []) or [])
    checks["rules"] = {"ok": rules > 0, "detail": _rules_detail(runtime.rules, rules, problems)}
    checks["scheduler"] = {"ok": True, "detail": _scheduler_state(runtime)}
    return checks


def _rules_detail(rules: Any, count: int, problems: int) -> str:
    """Say how many rules are in force, which book, and which live instances hold another
    (a half-done deploy: told, but not a reason to leave the balancer)."""
    detail = f"{count} rules (规则版本 book {rules.book_digest()}), {problems} problems"
    others = rules.other_books()
    if others:
        named = ", ".join(f"{o.instance}={o.digest} ({o.rules} rules)" for o in others)
        detail += f"; 其他实例的规则不同 (other instances hold other rules): {named}"
    return detail


def _revision(engine: Any) -> str | None:
    """Read alembic_version directly (Alembic's context logs two lines per call)."""
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _scheduler_state(runtime: Any) -> str:
    with runtime.engine.connect() as conn:
        if "apscheduler_jobs" not in inspect(conn).get_table_names():
            return "no jobs stored (scheduler never started)"
        count, due = conn.execute(text(
            "SELECT count(*), min(next_run_time) FROM apscheduler_jobs")).one()
    if not count:
        return "no jobs"
    late = time.time() - float(due) if due is not None else 0.0
    state = "stalled" if late > STALLED_SECONDS else "running"
    return f"{state}: {count} jobs, next due in {-late:.0f} s"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Answer 200 when ready, 503 if not; the office and admins also get each check's detail
    (a database error names the server and the account: not for every signed-in user)."""
    runtime = request.app.state.runtime
    checks = await run_in_threadpool(readiness, runtime)
    ready = all(check["ok"] for check in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not_ready",
                               "checks": {name: check["ok"] for name, check in checks.items()}}
    if await _signed_in_as(request, METRICS_READERS):
        body["checks"] = checks
    return JSONResponse(body, status_code=200 if ready else 503)


async def _signed_in_as(request: Request, roles: tuple[Role, ...]) -> bool:
    """Whether the request's session or token belongs to a user with one of `roles`."""
    token = presented_token(request)
    if not token:
        return False
    runtime = request.app.state.runtime
    idle = timedelta(minutes=runtime.settings.session_idle_minutes)
    principal = (await run_in_threadpool(look_up, runtime.sessions, token, idle)).principal
    return principal is not None and principal.role in roles


async def _may_read_metrics(request: Request) -> bool:
    """Whether the caller is a scraper on an allowed network, or the office signed in.

    The counts include every petition and every proposal (待研判) as they arrive: a
    department polling them would learn that one was logged about it, so the proxy's rule
    (deploy/nginx) is not the only guard.
    """
    address = request.client.host if request.client else ""
    if within(address, request.app.state.metrics_networks) and _not_relayed(request):
        return True
    return await _signed_in_as(request, METRICS_READERS)


def _not_relayed(request: Request) -> bool:
    """Whether every address the request's forwarding headers name is on an allowed network
    or a trusted proxy.

    A proxy on the machine itself (nginx in deploy/) relays every client from 127.0.0.1;
    without QINGFENG_TRUSTED_PROXIES nothing rewrites that address, and the default allowed
    network would let anyone the proxy serves read the counts. The headers can only narrow
    what the address allows: a caller who sends them refuses itself.
    """
    state = request.app.state
    allowed = (*state.metrics_networks, *state.trusted_proxies)
    named = [hop.strip() for value in request.headers.getlist("x-forwarded-for")
             for hop in value.split(",")]
    named += [value.strip() for value in request.headers.getlist("x-real-ip")]
    return all(within(hop, allowed) for hop in named if hop)


@router.get("/metrics", response_class=Response, responses={
    200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
async def metrics(request: Request) -> Response:
    """Return the metrics in Prometheus' text format (allowed networks, or the office)."""
    if not await _may_read_metrics(request):
        raise StarletteHTTPException(404)
    registry = request.app.state.metrics.registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
