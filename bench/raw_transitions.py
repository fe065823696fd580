"""The raw limits of one handling transition, for bench/transitions_bench.py.

A transition here is the least the storage must do: a version-checked UPDATE of the record,
a SELECT of the last event's hash, an INSERT of the hash-chained event and a COMMIT, on a
bare DB-API connection (sqlite3 or psycopg) -- no ORM, no auth, no scoping, no notices.
`walk` runs it on one connection; `create_app` serves it behind a bare FastAPI route that
answers like POST /api/warnings/{id}/actions, so the same wrk script can drive it (on SQLite
the route takes a process lock around the write, as the real route does).
Run the route: RAW_DATABASE_URL=... uvicorn --factory bench.raw_transitions:create_app
"""

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from warning.domain.chain import event_hash

STEPS = {
    "receive": ("issued", "received"),
    "assign": ("received", "in_progress"),
    "report": ("in_progress", "reported"),
    "accept": ("reported", "closed"),
}
ORDER = tuple(STEPS)


def connector(url: str) -> tuple[Callable[[], Any], str]:
    """Return a DB-API connect function for a SQLAlchemy URL and its placeholder."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]

        def connect_sqlite() -> sqlite3.Connection:
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn

        return connect_sqlite, "?"
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return (lambda: psycopg.connect(plain)), "%s"


def transition(conn: Any, mark: str, warning_id: int, action: str, version: int,
               actor: str = "user:raw") -> int | None:
    """Move one record a step on; return its new version, or None if the version is stale."""
    from_state, to_state = STEPS[action]
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(" ") if mark == "?" else now  # as SQLAlchemy does
    cur = conn.cursor()
    cur.execute(
        "UPDATE handling_records SET state = ?, version = version + 1, updated_at = ? "
        "WHERE warning_id = ? AND version = ? AND state = ? RETURNING id, version"
        .replace("?", mark),
        (to_state, stamp, warning_id, version, from_state),
    )
    row = cur.fetchone()
    if row is None:
        conn.rollback()
        return None
    record_id, new_version = row
    cur.execute(
        "SELECT seq, hash FROM handling_events WHERE record_id = ? ORDER BY seq DESC LIMIT 1"
        .replace("?", mark),
        (record_id,),
    )
    seq, prev = cur.fetchone() or (0, "")
    fields = {"record_id": record_id, "seq": seq + 1, "action": action, "from_state": from_state,
              "to_state": to_state, "actor": actor, "comment": "", "data": {}, "created_at": now}
    cur.execute(
        "INSERT INTO handling_events (record_id, seq, action, from_state, to_state, actor, "
        "comment, data, created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        .replace("?", mark),
        (record_id, seq + 1, action, from_state, to_state, actor, "", "{}",
         stamp, prev, event_hash(fields, prev)),
    )
    conn.commit()
    return int(new_version)


def walk(url: str, warnings: list[tuple[int, int]]) -> dict[str, float]:
    """Take every warning through all steps on one connection; return transitions/s."""
    connect, mark = connector(url)
    conn = connect()
    latencies = []
    started = time.perf_counter()
    for warning_id, version in warnings:
        for action in ORDER:
            t0 = time.perf_counter()
            new = transition(conn, mark, warning_id, action, version)
            latencies.append(time.perf_counter() - t0)
            if new is None:
                raise SystemExit(f"raw walk: stale version on warning {warning_id}")
            version = new
    elapsed = time.perf_counter() - started
    conn.close()
    latencies.sort()
    return {"transitions_per_s": len(latencies) / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1e3,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
            "transitions": len(latencies)}


def create_app() -> Any:
    """Serve the bare transition behind one sync FastAPI route (one connection per thread)."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    url = os.environ["RAW_DATABASE_URL"]
    connect, mark = connector(url)
    local = threading.local()
    # SQLite has one writer: queue on a lock rather than in SQLite's sleeping busy handler.
    writer = threading.Lock() if url.startswith("sqlite") else nullcontext()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/warnings/{warning_id}/actions")
    def act(warning_id: int, body: dict[str, Any]) -> JSONResponse:
        if not hasattr(local, "conn"):
            local.conn = connect()
        with writer:
            version = transition(local.conn, mark, warning_id, body["action"],
                                 int(body["version"]))
        if version is None:
            return JSONResponse({"error": {"code": "version_conflict"}}, status_code=409)
        return JSONResponse(
            {"warning_id": warning_id, "state": STEPS[body["action"]][1], "version": version})

    return app
