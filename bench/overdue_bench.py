"""Overdue-scan benchmark: 10,000 open warnings past their deadline, on SQLite and PostgreSQL.

Prints the time of the first scan (which escalates every record once) and of a second scan
(which must find nothing left to send), and in the same run the raw limit: one bare
SELECT of the same open records. Target: first scan <= 2 s on each database.
Run: .venv/bin/python bench/overdue_bench.py [--records 10000]
"""

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.migrate import upgrade
from warning.db.models import HandlingRecord
from warning.handling.overdue import scan_overdue

DUE = datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC)
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def run(url: str, records: int) -> str:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    world = build_world(sessions)
    with transaction(sessions) as session:
        bulk_warnings(session, world, records, due=DUE)
    with sessions() as session:
        started = time.perf_counter()
        session.execute(select(HandlingRecord.id, HandlingRecord.report_due_at).where(
            HandlingRecord.state != "closed")).all()
        raw = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions) as session:
        first = scan_overdue(session, NOW)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions) as session:
        second = scan_overdue(session, NOW)
    second_s = time.perf_counter() - started
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(HandlingRecord))
    engine.dispose()
    return (f"{engine.dialect.name:10s} records={total} first scan {first_s:.2f}s "
            f"(escalated {first.escalated}) second scan {second_s:.2f}s "
            f"(escalated {second.escalated}); bare SELECT {raw * 1000:.0f} ms "
            f"(first scan = x{first_s / raw:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(run(f"sqlite:///{tempfile.mkdtemp()}/overdue.db", args.records))
    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"qf_overdue_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        print(run(args.pg_url.rsplit("/", 1)[0] + "/" + name, args.records))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
