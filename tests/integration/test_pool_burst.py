"""A burst of more clients than pooled connections is answered, not deadlocked.

A sync route runs on one of anyio's worker threads; FastAPI then validates its answer on
another hop onto the same threads. A session still holding its pooled connection while its
request waits for that second hop can starve the threads that would need the connection:
with 80 requests queued for 2 threads and 10 connections, the first 10 answered routes held
every connection while the next two routes waited on the pool for its timeout (30 s), and
the service answered nothing meanwhile (seen under 50 clients on PostgreSQL as 24 sessions
"idle in transaction"). Routes now give their session's connection back before they leave
their thread (`warning.web.routing`), so no request holds a connection while it queues.
"""

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.routing import APIRoute

from tests.integration.live_server import serve
from tests.integration.petition_world import csrf_of
from warning.auth.users import add_user, issue_token
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE
from warning.web.routing import SessionRoute
from warning.web.security import SESSION_COOKIE

CLIENTS = 80


async def _burst(urls: list[str], headers: dict[str, str]) -> list[int]:
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(timeout=20, limits=limits, headers=headers) as client:
        answers = await asyncio.gather(*(client.get(url) for url in urls),
                                       return_exceptions=True)
    return [a.status_code if isinstance(a, httpx.Response) else 0 for a in answers]


def test_a_burst_beyond_the_pool_is_answered(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office", password="pw-office-123")
        token = issue_token(session, user=user)
    # Two route threads: a pool of 6 connections and 4 overflow (route threads + 4).
    with serve(runtime, worker_threads="2") as base:
        routes = ["/healthz", "/api/warnings", "/api/channels", "/api/risk-points"]
        urls = [f"{base}{routes[n % len(routes)]}" for n in range(CLIENTS)]
        statuses = asyncio.run(_burst(urls, {"Authorization": f"Bearer {token}"}))
        # A second burst on the same server: no connection was leaked by the first.
        again = asyncio.run(_burst(urls, {"Authorization": f"Bearer {token}"}))
    assert statuses == [200] * CLIENTS, sorted(set(statuses))
    assert again == [200] * CLIENTS, sorted(set(again))


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.160 keeps included routers
            yield from _api_routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def test_every_route_gives_its_connection_back_in_its_thread(runtime: Runtime) -> None:
    api_routes = list(_api_routes(create_app(runtime).routes))
    assert len(api_routes) > 80
    strays = [route.path for route in api_routes if not isinstance(route, SessionRoute)]
    assert not strays, f"routes not made by SessionRouter: {strays}"
    sync = [route for route in api_routes
            if not inspect.iscoroutinefunction(route.endpoint)]
    assert sync
    assert all(getattr(route.endpoint, "closes_sessions", False) for route in sync)


FORMS = 60


async def _form_burst(base: str, path: str, cookies: dict[str, str],
                      fields: list[dict[str, str]], headers: list[dict[str, str]]) -> list[int]:
    limits = httpx.Limits(max_connections=FORMS)
    async with httpx.AsyncClient(base_url=base, timeout=25, limits=limits,
                                 follow_redirects=False) as client:
        jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
        page = await client.get(path, headers={"Cookie": jar} if jar else {})
        token = csrf_of(page.text)  # the CSRF cookie holds the same token
        jar = "; ".join(f"{name}={value}" for name, value in (cookies | {COOKIE: token}).items())
        answers = await asyncio.gather(
            *(client.post(path, data={"csrf_token": token, **form},
                          headers={"Cookie": jar} | extra)
              for form, extra in zip(fields, headers, strict=True)),
            return_exceptions=True)
    return [a.status_code if isinstance(a, httpx.Response) else 0 for a in answers]


def test_a_burst_of_page_forms_that_wait_on_intake_is_answered(runtime: Runtime) -> None:
    """Async page routes that read with the request's session and then wait for a worker
    thread or the intake writer (the office's signal form, the public report form) give the
    connection back first: holding it, a burst beyond the pool left the threads and the
    writer waiting on the pool while the event loop itself waited on it for the next
    request (30 s, then errors)."""
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office", password="pw-office-123")
        token = issue_token(session, user=user)
    signals = [{"channel": "audit", "title": f"审计发现{n}", "text": "采购中心评标中有人串标",
                "department": "CGZX", "external_id": f"B-{n}"} for n in range(FORMS)]
    reports = [{"title": f"举报{n}", "text": "采购中心评标中有人串标", "department": "CGZX",
                "anonymous": "1"} for n in range(FORMS)]
    relayed = [{"X-Forwarded-For": f"198.51.100.{n + 1}"} for n in range(FORMS)]
    with serve(runtime, worker_threads="2", trusted_proxies="127.0.0.1") as base:
        filed = asyncio.run(_form_burst(base, "/signals/new", {SESSION_COOKIE: token},
                                        signals, [{}] * FORMS))
        reported = asyncio.run(_form_burst(base, "/report", {}, reports, relayed))
    assert filed == [303] * FORMS, sorted(set(filed))
    assert reported == [200] * FORMS, sorted(set(reported))
