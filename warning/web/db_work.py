"""Run a request's blocking database work without blocking the event loop.

A sync FastAPI route costs two hops onto anyio's worker threads (the route, then the
validation of its response), each queued behind every other request's. Under 50 clients on
PostgreSQL the threads, all waiting on round trips, also fought the event loop for the GIL:
the transitions bench found the loop idle a third of the time while requests queued.

`in_session` runs `work(session, *args)` in a session of its own, committed by `work`:
- on PostgreSQL on the event loop itself, through SQLAlchemy's asyncio layer: the same
  sync code, its round trips awaited (greenlets), no thread and no GIL hand-over;
- on SQLite on one worker thread: sqlite3 has no asynchronous I/O, and its writes queue
  on one lock anyway (warning.db.sqlite_gate).
"""

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from warning.runtime import Runtime

P = ParamSpec("P")
T = TypeVar("T")


async def in_session(
    runtime: Runtime, work: Callable[Concatenate[Session, P], T], *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Return `work(session, *args, **kwargs)`, run in a new session as described above."""
    if runtime.async_sessions is not None:
        async with runtime.async_sessions() as session:
            return await session.run_sync(work, *args, **kwargs)
    return await run_in_threadpool(_in_thread, runtime.sessions, work, *args, **kwargs)


def _in_thread(
    sessions: sessionmaker[Session], work: Callable[Concatenate[Session, P], T],
    *args: P.args, **kwargs: P.kwargs,
) -> T:
    with sessions() as session:
        return work(session, *args, **kwargs)
