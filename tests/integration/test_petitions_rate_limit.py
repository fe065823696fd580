"""Receipt lookups are rate-limited in the database: across processes, restarts and races.

Each limiter below has its own engine, as a separate service process would; on both
databases. The HTTP behaviour (404 until the limit, then 429 with retry_after) is shown
through two apps sharing one database.
"""

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import make_engine, make_sessionmaker
from warning.db.models import RateLimit
from warning.petitions.receipts import StoredRateLimiter
from warning.runtime import Runtime
from warning.web.api import petitions
from warning.web.app import create_app


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_736_128_800.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def processes(db_url: str) -> Iterator[list[sessionmaker[Session]]]:
    """Three session factories, each on its own engine, like three service processes."""
    engines = [make_engine(db_url) for _ in range(3)]
    yield [make_sessionmaker(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def limiters(factories: list[sessionmaker[Session]], clock: Clock) -> list[StoredRateLimiter]:
    return [StoredRateLimiter(f, capacity=5, period=60.0, clock=clock) for f in factories]


def rows(factory: sessionmaker[Session]) -> list[RateLimit]:
    with factory() as session:
        return list(session.scalars(select(RateLimit)))


def test_the_limit_is_shared_by_every_process(processes: list[sessionmaker[Session]]) -> None:
    clock = Clock()
    first, second, third = limiters(processes, clock)
    answers = [limiter.allow("10.0.0.1") for limiter in (first, second, third, first, second)]
    assert answers == [True] * 5
    assert not third.allow("10.0.0.1") and not first.allow("10.0.0.1")
    assert second.allow("10.0.0.2")  # another client has its own bucket
    clock.now += 12.0  # one token refills
    assert third.allow("10.0.0.1") and not first.allow("10.0.0.1")
    assert first.retry_after() == 12


def test_the_limit_survives_a_restart(db_url: str, processes: list[sessionmaker[Session]]) -> None:
    clock = Clock()
    before = StoredRateLimiter(processes[0], clock=clock)
    assert all(before.allow("10.0.0.9") for _ in range(5))
    restarted = make_engine(db_url)
    try:
        after = StoredRateLimiter(make_sessionmaker(restarted), clock=clock)
        assert not after.allow("10.0.0.9")
    finally:
        restarted.dispose()


def test_concurrent_attempts_never_pass_the_limit(processes: list[sessionmaker[Session]]) -> None:
    clock = Clock()
    pool = limiters(processes, clock)
    results: list[bool] = []
    lock = threading.Lock()
    gate = threading.Barrier(12)

    def attempt(limiter: StoredRateLimiter) -> None:
        gate.wait()
        allowed = limiter.allow("10.0.0.7")
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=attempt, args=(pool[i % 3],)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [False] * 7 + [True] * 5


def test_no_client_address_is_stored_or_kept(processes: list[sessionmaker[Session]]) -> None:
    clock = Clock()
    limiter = StoredRateLimiter(processes[0], clock=clock)
    limiter.allow("192.168.1.23")
    stored = rows(processes[0])
    assert len(stored) == 1 and "192.168" not in stored[0].key and len(stored[0].key) == 64
    clock.now += 60.0  # the bucket is full again: the row goes on the next attempt
    limiter.allow("10.0.0.1")
    assert [row.key for row in rows(processes[0])] != [stored[0].key]
    with processes[0]() as session:
        assert session.scalar(select(func.count()).select_from(RateLimit)) == 1


def test_lookups_through_two_apps_share_the_limit(runtime: Runtime, db_url: str) -> None:
    other = make_engine(db_url)
    try:
        apps = [create_app(runtime), create_app(runtime)]
        apps[1].state.receipt_limiter = StoredRateLimiter(make_sessionmaker(other))
        for app in apps:
            if not any(getattr(r, "path", "") == "/api/petitions" for r in app.routes):
                app.include_router(petitions.router)
        with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
            clients = [one, two, one, two, one, two]
            codes = [
                c.post("/api/petitions/receipt", json={"code": "AAAA-BBBB"}) for c in clients
            ]
    finally:
        other.dispose()
    assert [r.status_code for r in codes] == [404] * 5 + [429]
    refused = codes[-1].json()["error"]
    assert refused["code"] == "rate_limited" and refused["retry_after"] == 12


def test_a_stored_key_cannot_be_reversed_to_the_address_without_the_secret(
    processes: list[sessionmaker[Session]],
) -> None:
    """All 2^32 IPv4 addresses hash in minutes: a plain sha256 of "receipt:ADDRESS" in the
    table (or a backup) named whoever filed or looked up a report in the last minutes."""
    import hashlib

    clock = Clock()
    address = "203.0.113.9"
    StoredRateLimiter(processes[0], clock=clock, secret="one").allow(address)
    StoredRateLimiter(processes[1], clock=clock, secret="two").allow(address)
    StoredRateLimiter(processes[2], clock=clock).allow(address)  # the stored secret
    keys = {row.key for row in rows(processes[0])}
    assert len(keys) == 3  # each secret its own key
    assert hashlib.sha256(f"receipt:{address}".encode()).hexdigest() not in keys
