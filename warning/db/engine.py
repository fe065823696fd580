"""Build SQLAlchemy engines and sessions for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from warning.db.sqlite_gate import GatedConnection, before_write, gate_for

if TYPE_CHECKING:  # asyncio and SQLAlchemy's async layer: PostgreSQL's service only
    from sqlalchemy.ext.asyncio import AsyncEngine

# A failed statement's message would otherwise carry its parameters (a petition's title,
# text, the person it names), and unexpected errors are logged with their traceback.
HIDDEN = {"hide_parameters": True}


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; SQLite files get WAL mode, foreign keys and one writer at a time."""
    kwargs = HIDDEN | kwargs
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or ":memory:" in parsed.database:
            kwargs.pop("pool_size", None)  # one shared connection: no pool to size
            kwargs.pop("max_overflow", None)
        elif not parsed.database.startswith("file:"):
            # a fresh data directory holds petitions: its owner's alone (an existing one is kept)
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        gate = gate_for(parsed.database)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30, "factory": GatedConnection},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", lambda dbapi, _: setattr(dbapi, "gate", gate))
        event.listen(engine, "before_cursor_execute", before_write)
        return engine
    return create_engine(parsed, **_postgres_options(kwargs))


def make_async_engine(url: str, **kwargs: object) -> AsyncEngine:
    """Create an asyncio engine for a PostgreSQL URL (psycopg's async connections)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"an async engine is for PostgreSQL, not {parsed.get_backend_name()}")
    return create_async_engine(parsed.set(drivername="postgresql+psycopg"),
                               **_postgres_options(HIDDEN | kwargs))


def _postgres_options(kwargs: dict[str, object]) -> dict[str, object]:
    """Pool defaults for PostgreSQL: a pre-ping on checkout, so that connections a server
    restart broke are replaced instead of failing a request each (its cost did not show
    above the noise of the transitions bench)."""
    return {"pool_size": 10, "max_overflow": 4, "pool_pre_ping": True} | kwargs


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory that does not expire objects on commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit when the block ends, roll back on error."""
    with factory() as session, session.begin():
        yield session
