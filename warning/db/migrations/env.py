"""Alembic environment: migrates the database given by the caller's configuration."""

from alembic import context
from sqlalchemy import Connection

from warning.db.engine import make_engine
from warning.db.models import Base

config = context.config


def run_migrations(connection: Connection) -> None:
    """Run migrations on an open connection.

    On SQLite a batch migration rebuilds a table (copy, drop, rename); with foreign keys on,
    dropping a table others point at is refused, so they are off while migrating (Alembic's
    advice for batch mode) and on again after.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end the autobegun transaction: the migrations open their own
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
