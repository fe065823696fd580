"""Migration 0007d: amounts SQLite stored as floats become exact integer fen."""

import sqlite3
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import upgrade
from warning.db.models import Signal

# Up to 2^53 fen (~90 trillion yuan) a float still tells its fen apart; above, what
# SQLite stored was already ambiguous and the migration keeps the nearest fen.
AMOUNTS = ["0.01", "0.29", "12000.5", "9999999999999.99", "123456789.07", "0.015"]


def test_float_amounts_on_sqlite_read_back_exactly_after_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    with sqlite3.connect(tmp_path / "old.db") as conn:  # as 0006 stored them: floats
        for n, amount in enumerate([*AMOUNTS, None]):
            conn.execute(
                "INSERT INTO signals (channel_id, external_id, title, text, person, post,"
                " amount, received_at, status, attempts, last_error, extra)"
                " VALUES (1, ?, 't', '', '', '', ?, '2026-11-01 00:00:00', 'received', 0,"
                " '', '{}')",
                (f"S-{n}", float(amount) if amount else None),
            )
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        read = list(session.scalars(select(Signal.amount).order_by(Signal.id)))
    engine.dispose()
    assert read == [*(Decimal(a).quantize(Decimal("0.01")) for a in AMOUNTS), None]
