"""A write transaction without SQLite's foreign-key checks, for intake's evaluation.

A batch of 1,000 signals that match ~14 rules each writes ~88 rows a signal (warnings,
links, rule hits, records, first events, notices); SQLite looked up each row's parents
for its foreign keys, ~30 % of its own work on those rows (bench/RESULTS.md, session 6).
The rows of that transaction reference only rows it has just inserted or read under the
write lock (its signals, risk points, departments, warnings, records), and nothing in the
service deletes a signal, risk point, department or channel, so on SQLite the checks are
switched off for that transaction alone. PostgreSQL keeps its foreign keys.

`PRAGMA foreign_keys` is a no-op inside a transaction: it is set on the connection before
the transaction starts and set back after it ends, whatever happened, before the
connection returns to the pool.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def unchecked_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session in a transaction that commits when the block ends; on SQLite with
    foreign-key checks off until it has ended."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        with sessions() as session, session.begin():
            yield session
        return
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        # (a connection already in a transaction keeps its checks: the pragma would be a
        # no-op there anyway)
        switched = not raw.in_transaction
        if switched:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with sessions(bind=conn) as session, session.begin():
                yield session
        finally:
            if switched:
                if raw.in_transaction:  # not expected: the session committed or rolled back
                    raw.rollback()
                raw.execute("PRAGMA foreign_keys=ON")
