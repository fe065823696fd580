"""SQLite: stage an import's rows in a scratch file, then store them in one statement.

SQLite has one writer. Storing a 100 MB file in one transaction held the write lock for
~30 s, longer than API writers wait (busy timeout 30 s). Rows are instead written, chunk
by chunk, to a table in a scratch database attached beside it (each chunk commits and
lets other writers in), and moved into `signals` by one INSERT ... SELECT: all or
nothing, holding the lock only for that statement.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.engine import Connection, Engine

from warning.db.bulk import insert_many
from warning.db.models import Signal

COLUMNS = [c for c in Signal.__table__.columns if c.name != "id"]
NAMES = ", ".join(c.name for c in COLUMNS)


def _staging_table() -> Table:
    return Table("signals", MetaData(schema="staging"),
                 Column("seq", Integer, primary_key=True),
                 *(Column(c.name, c.type, default=c.default.arg if c.default else None)
                   for c in COLUMNS))  # the model's defaults: a row gives only what it has


def store_staged(
    engine: Engine, chunks: Iterable[list[dict[str, Any]]],
    progress: Callable[[int], None] | None = None,
) -> tuple[array[int], int]:
    """Stage every chunk, then insert the new rows at once; return the ids and how many new."""
    ids: array[int] = array("q")
    with tempfile.TemporaryDirectory(prefix="qingfeng-import-") as scratch, \
            engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{Path(scratch) / 'staging.db'}' AS staging")
        try:
            created = _stage_and_move(conn, chunks, ids, progress)
        finally:
            conn.rollback()
            conn.exec_driver_sql("DETACH DATABASE staging")
    return ids, created


def _stage_and_move(
    conn: Connection, chunks: Iterable[list[dict[str, Any]]], ids: array[int],
    progress: Callable[[int], None] | None,
) -> int:
    staging = _staging_table()
    staging.create(conn)
    conn.commit()
    for rows in chunks:
        insert_many(conn, staging, rows)  # the driver's executemany: ~5x Core's per row
        conn.commit()  # the staging file's lock only; other writers get in between chunks
        if progress is not None:
            progress(len(rows))
    result = conn.execute(text(
        f"INSERT INTO main.signals ({NAMES}) SELECT {NAMES} FROM staging.signals "
        "WHERE true ORDER BY seq ON CONFLICT (channel_id, external_id) DO NOTHING"
    ))
    created = result.rowcount
    conn.commit()
    found = conn.execute(text(
        "SELECT s.id FROM staging.signals t JOIN main.signals s "
        "ON s.channel_id = t.channel_id AND s.external_id = t.external_id ORDER BY t.seq"
    ))
    for (signal_id,) in found:
        ids.append(signal_id)
    return created
