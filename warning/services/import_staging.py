"""Stage an import's rows, then store the new ones in one statement, all or nothing.

SQLite has one writer. Storing a 100 MB file in one transaction held the write lock for
~30 s, longer than API writers wait (busy timeout 30 s). Rows are instead written, chunk
by chunk, to a table in a scratch database attached beside it (each chunk commits and
lets other writers in), and moved into `signals` by one INSERT ... SELECT: all or
nothing, holding the lock only for that statement.

PostgreSQL has no such lock, so everything is one transaction, and new rows are COPYed
straight into `signals` (staged in a temporary table only when some are stored already).
An INSERT ... ON CONFLICT per chunk of 1,000, as before, stored ~1,000 signals/s where a
COPY into a table shaped like `signals` took ~2,600 rows/s on the same loaded machine
(bench/import_copy_bench.py; figures in bench/RESULTS.md, session 5).
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from warning.db.bulk import insert_many
from warning.db.models import Signal

COLUMNS = [c for c in Signal.__table__.columns if c.name != "id"]
NAMES = ", ".join(c.name for c in COLUMNS)
Progress = Callable[[int], None]


def _staging_table(schema: str | None = "staging") -> Table:
    extra: dict[str, Any] = {}
    if schema is None:  # PostgreSQL: a temporary table of this transaction
        extra = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}
    seq = Column("seq", Integer, primary_key=True) if schema else Column("seq", BigInteger)
    return Table("import_rows" if schema is None else "signals", MetaData(schema=schema), seq,
                 *(Column(c.name, c.type, default=c.default.arg if c.default else None)
                   for c in COLUMNS),  # the model's defaults: a row gives only what it has
                 **extra)


def store_staged(
    engine: Engine, chunks: Callable[[], Iterable[list[dict[str, Any]]]],
    progress: Progress | None = None, *, copy_first: bool = True,
) -> tuple[array[int], int]:
    """Stage every chunk, then insert the new rows at once; return the ids and how many new.

    `chunks` reads the rows from the start each time it is called (PostgreSQL may read
    them twice, see _store_copied; `copy_first=False` stages at once, for a caller whose
    own COPY already failed).
    """
    if engine.dialect.name == "postgresql":
        return _store_copied(engine, chunks, progress, copy_first)
    ids: array[int] = array("q")
    with tempfile.TemporaryDirectory(prefix="qingfeng-import-") as scratch, \
            engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{Path(scratch) / 'staging.db'}' AS staging")
        # a scratch file, thrown away after the move: no fsync per chunk, no journal file
        conn.exec_driver_sql("PRAGMA staging.journal_mode=MEMORY")
        conn.exec_driver_sql("PRAGMA staging.synchronous=OFF")
        try:
            created = _stage_and_move(conn, chunks(), ids, progress)
        finally:
            conn.rollback()
            conn.exec_driver_sql("DETACH DATABASE staging")
    return ids, created


def _stage_and_move(
    conn: Connection, chunks: Iterable[list[dict[str, Any]]], ids: array[int],
    progress: Progress | None,
) -> int:
    staging = _staging_table()
    staging.create(conn)
    conn.commit()
    for rows in chunks:
        insert_many(conn, staging, rows)  # the driver's executemany: ~5x Core's per row
        conn.commit()  # the staging file's lock only; other writers get in between chunks
        if progress is not None:
            progress(len(rows))
    created = _move(conn, "staging.signals", "main.signals", ids)
    conn.commit()
    return created


def _store_copied(
    engine: Engine, chunks: Callable[[], Iterable[list[dict[str, Any]]]],
    progress: Progress | None, copy_first: bool = True,
) -> tuple[array[int], int]:
    """PostgreSQL: COPY straight into `signals`; if a row is there already, stage instead.

    One transaction either way. The first try takes ids from the sequence and COPYs the
    rows into `signals` itself, at COPY's own rate; a row already stored (a re-run, a
    repeat inside the file, an API intake of the same key) makes it fail on the unique
    index, and the rows are then read again, COPYed into a temporary table and moved by
    INSERT ... ON CONFLICT DO NOTHING, as on SQLite.
    """
    from psycopg.errors import UniqueViolation

    with engine.begin() as conn:
        try:
            if copy_first:
                with conn.begin_nested():
                    return _copy_into_signals(conn, chunks(), progress)
        except (UniqueViolation, IntegrityError) as error:  # COPY's own, or executemany's
            if not isinstance(getattr(error, "orig", error), UniqueViolation):
                raise
        ids: array[int] = array("q")
        staging = _staging_table(schema=None)
        staging.create(conn)
        seq = 0
        for rows in chunks():
            for row in rows:
                row["seq"] = seq
                seq += 1
            insert_many(conn, staging, rows)  # COPY for a chunk of COPY_FROM rows or more
            if progress is not None:
                progress(len(rows))
        conn.exec_driver_sql("ANALYZE import_rows")  # the join below picks its plan by size
        created = _move(conn, "import_rows", "signals", ids)
    return ids, created


def _copy_into_signals(
    conn: Connection, chunks: Iterable[list[dict[str, Any]]], progress: Progress | None,
) -> tuple[array[int], int]:
    """COPY every row into `signals` with ids taken from its sequence; return the ids."""
    ids: array[int] = array("q")
    take = text("SELECT nextval(pg_get_serial_sequence('signals', 'id')) "
                "FROM generate_series(1, :n)")
    for rows in chunks:
        fresh = conn.execute(take, {"n": len(rows)}).scalars().all()
        for row, signal_id in zip(rows, fresh, strict=True):
            row["id"] = signal_id
        insert_many(conn, Signal.__table__, rows)
        ids.extend(fresh)
        if progress is not None:
            progress(len(rows))
    return ids, len(ids)


def _move(conn: Connection, source: str, target: str, ids: array[int]) -> int:
    """Insert the staged rows not stored yet; append every staged row's id in file order."""
    created = conn.execute(text(
        f"INSERT INTO {target} ({NAMES}) SELECT {NAMES} FROM {source} "
        "WHERE true ORDER BY seq ON CONFLICT (channel_id, external_id) DO NOTHING"
    )).rowcount
    found = conn.execute(text(
        f"SELECT s.id FROM {source} t JOIN {target} s "
        "ON s.channel_id = t.channel_id AND s.external_id = t.external_id ORDER BY t.seq"
    ), execution_options={"yield_per": 10_000})
    for (signal_id,) in found:
        ids.append(signal_id)
    return created
