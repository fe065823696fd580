"""A database that stalls or drops connections, under a real server and many clients.

PostgreSQL only (SQLite has no server to stall or connections to kill): requests blocked
behind a lock are answered 503 with Retry-After once their statements pass the request
limit, never left hanging for as long as the lock is held; connections the server killed
(pg_terminate_backend) are replaced by the next requests.
"""

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import text

from tests.integration.live_server import serve
from warning.auth.users import add_user, issue_token
from warning.db.engine import make_engine
from warning.runtime import Runtime
from warning.web.security import SESSION_COOKIE

LIMIT_SECONDS = 2
# Pages (the session cookie) and the API (the bearer token); some pages read on the event
# loop through the async engine, the API routes on worker threads.
READS_WARNINGS = ("/api/warnings", "/warnings", "/api/review", "/inbox")


async def _burst(urls: list[str], token: str, timeout: float) -> list[tuple[int, str] | str]:
    headers = {"Authorization": f"Bearer {token}", "Cookie": f"{SESSION_COOKIE}={token}"}
    async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False,
                                 limits=httpx.Limits(max_connections=len(urls))) as client:
        answers = await asyncio.gather(*(client.get(url) for url in urls),
                                       return_exceptions=True)
    return [(a.status_code, a.headers.get("retry-after", "")) if isinstance(a, httpx.Response)
            else type(a).__name__ for a in answers]


def test_requests_behind_a_lock_get_503_and_killed_connections_are_replaced(
    db_url: str, runtime: Runtime,
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite has no server to stall or connections to kill")
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office", password="pw-office-123")
        token = issue_token(session, user=user)
    admin = make_engine(db_url)
    try:
        with serve(runtime, worker_threads="8",
                   request_statement_seconds=str(LIMIT_SECONDS)) as base:
            urls = [f"{base}{READS_WARNINGS[n % len(READS_WARNINGS)]}" for n in range(40)]
            with admin.connect() as locker:
                locker.execute(text("LOCK TABLE warnings IN ACCESS EXCLUSIVE MODE"))
                # every request queues behind the lock; without a limit none was answered
                # while it was held (55 requests, 45 s)
                held = asyncio.run(_burst([*urls, f"{base}/healthz"], token, timeout=60))
                locker.rollback()
            assert Counter(held[:-1]) == {(503, "5"): len(urls)}, Counter(held)
            assert held[-1] == (200, ""), held[-1]  # a thread came free for it
            assert set(asyncio.run(_burst(urls, token, timeout=30))) == {(200, "")}

            with admin.connect() as killer:
                killed = killer.scalar(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            assert killed and killed > 0
            assert set(asyncio.run(_burst(urls, token, timeout=30))) == {(200, "")}
    finally:
        admin.dispose()
