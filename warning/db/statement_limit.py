"""A time limit on the statements a web request runs, on PostgreSQL.

Without one, a request blocked behind a lock (a long migration, VACUUM FULL, a transaction
left open) waited as long as the lock was held, and so did every request queued behind it
for a route thread: with the warnings table locked, 55 requests, /healthz among them, had
no answer after 45 s. The limit is PostgreSQL's statement_timeout, set on a pooled
connection when work under `limited` checks it out; the intake writer, scheduled jobs,
imports and the command line keep no limit. A connection is set again only when it
passes between the two, so a request usually pays no round trip for it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, event

_LIMIT_MS: ContextVar[int] = ContextVar("statement_limit_ms", default=0)
_SET = "statement_limit_ms"


@contextmanager
def limited(seconds: float) -> Iterator[None]:
    """Limit each statement run inside this block (and the threads it hands work to)."""
    token = _LIMIT_MS.set(max(1, round(seconds * 1000)))
    try:
        yield
    finally:
        _LIMIT_MS.reset(token)


def limit_statements(engine: Engine) -> None:
    """Give the connections `engine` checks out the statement limit of the work at hand."""
    if engine.dialect.name == "postgresql":
        event.listen(engine.pool, "checkout", _checkout)


def _checkout(dbapi_connection: object, record: object, _proxy: object) -> None:
    wanted = _LIMIT_MS.get()
    info: dict[str, int] = record.info  # type: ignore[attr-defined]
    if info.get(_SET, 0) == wanted:
        return
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"SET statement_timeout = {int(wanted)}")
    cursor.close()
    dbapi_connection.commit()  # type: ignore[attr-defined]  # a rollback would undo the SET
    info[_SET] = wanted
