"""Alembic environment: migrates the database given by the caller's configuration."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from warning.db.engine import make_engine
from warning.db.models import Base

config = context.config
# pg_advisory_lock's key for migrating: any constant no other lock in the schema uses
# (the admin lock is 0x51464144).
MIGRATION_LOCK_KEY = 0x51_46_4D_47  # "QFMG"


def run_migrations(connection: Connection) -> None:
    """Run migrations on an open connection.

    On SQLite a batch migration rebuilds a table (copy, drop, rename); with foreign keys on,
    dropping a table others point at is refused, so they are off while migrating (Alembic's
    advice for batch mode) and on again after.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    else:
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
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
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


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    with one_migration_at_a_time(url), engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
