"""Alembic environment: migrates the database given by the caller's configuration."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

from warning.db.engine import make_engine
from warning.db.models import Base

config = context.config
# pg_advisory_lock's key for migrating: any constant no other lock in the schema uses
# (the admin lock is 0x51464144).
MIGRATION_LOCK_KEY = 0x51_46_4D_47  # "QFMG"


def run_migrations(connection: Connection) -> None:
    """Run migrations on an open connection, all of them in one transaction.

    On SQLite a batch migration rebuilds a table (copy, drop, rename); with foreign keys on,
    dropping a table others point at is refused, so they are off while migrating (Alembic's
    advice for batch mode; set when the connection opens, see `transactional_sqlite`).
    """
    sqlite = connection.dialect.name == "sqlite"
    if not sqlite:
        # Instances sharing the database each migrate before they start (the systemd unit's
        # ExecStartPre) and restart together on an upgrade: two migrations at once ran the
        # same DDL twice and one failed. The second waits here, then reads the revision
        # the first reached and has nothing left to do. A session lock: it outlives the
        # migrations' own transactions and dies with the connection.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    connection.commit()  # end the autobegun transaction: the migrations open their own
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
            # SQLite runs DDL in transactions too; Alembic assumes it cannot and committed
            # each statement, so a migration killed midway left its tables but not its
            # revision, and every later `db upgrade` failed on them
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if not sqlite:
            connection.rollback()  # a failed migration's transaction, if one is left open
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        connection.commit()


@contextmanager
def one_migration_at_a_time(url: str) -> Iterator[None]:
    """On a SQLite file, wait while another process migrates it (as pg_advisory_lock does on
    PostgreSQL): two at once each added the same columns and one failed midway. A flock on
    a file beside the database; the kernel releases it when its holder dies."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    path = Path(database)
    fd = os.open(path.with_name(path.name + ".migrate.lock"), os.O_RDWR | os.O_CREAT
                 | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the flock


def transactional_sqlite(engine: Engine) -> None:
    """Make SQLAlchemy's transactions real SQLite transactions on this engine, DDL included.

    Python's sqlite3 module begins a transaction only before INSERT, UPDATE and DELETE, so
    CREATE, ALTER and DROP committed at once. Its own transaction handling is switched off
    and BEGIN sent when SQLAlchemy begins (SQLAlchemy's documented recipe for pysqlite);
    foreign keys go off when the connection opens, as a PRAGMA inside a transaction is
    ignored.
    """

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        transactional_sqlite(engine)
    with one_migration_at_a_time(url), engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
