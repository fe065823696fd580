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
from warning.auth.users import add_user, issue_token
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.routing import SessionRoute

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
