"""Quarterly-review benchmark: the figures over years of records, and the files of a big quarter.

Builds `--records` handling records (default 1,000,000) with about five events each, spread
over twelve quarters (2024Q1–2026Q4, Beijing time), one signal per warning; then times, on
SQLite and PostgreSQL:
- build_review() for 2026Q3 (every figure of the page, trend and timings included), against
  the raw limit measured in the same run: one hand-written SQL query computing the same
  counts by the same rules (bench/review_raw_sql.py says what it covers);
- the .xlsx (with the 台账) and .docx of a quarter holding `--ledger-records` records (default
  50,000), each in a child process so its peak memory (ru_maxrss) is its own.
Targets (issue 12): figures <= 2 s on PostgreSQL, <= 4 s on SQLite, within 2x of the SQL;
each file <= 20 s and < 500 MB.
Run: .venv/bin/python bench/review_bench.py [--records 1000000] [--ledger-records 50000]
     [--only sqlite|postgresql] [--sqlite-file PATH] [--pg-db NAME]
A million records take a long while to build: with --sqlite-file or --pg-db the database is
kept and reused by the next run (built only when it holds no records yet; migrations are
applied either way, so a reused database gets new indexes).
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.review_raw_sql import raw_parameters, raw_parts, raw_sql, raw_totals, review_totals
from warning.db.bulk import insert_many
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.migrate import upgrade
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    Signal,
    Unit,
)
from warning.domain.quarter import Quarter
from warning.domain.review import DEFAULT_STALE_MONTHS, months_before
from warning.handling.step_facts import facts_from_events
from warning.review.figures import build_review
from warning.review.period import Period

QUARTERS = [Quarter(2024 + i // 4, i % 4 + 1) for i in range(12)]
TARGET = Quarter(2026, 3)
CHUNK = 20_000
def build(url: str, records: int, quarters: int = 12, seed: int = 7) -> None:
    """Create the unit, ten departments, fifty points, two channels and the records, spread
    over the twelve quarters or, with `quarters` < 12, over that many ending with TARGET."""
    rng = random.Random(seed)
    sessions = make_sessionmaker(make_engine(url))
    with transaction(sessions) as session:
        unit = Unit(code="U", name="基准测试单位")
        session.add(unit)
        session.flush()
        departments = [Department(unit_id=unit.id, code=f"D{i}", name=f"部门{i}")
                       for i in range(10)]
        session.add_all(departments)
        session.flush()
        points = [RiskPoint(code=f"P{i:03d}", name=f"风险点{i}", category="业务流程",
                            level=("high", "medium", "low")[i % 3], owner_level="department",
                            department_id=departments[i % 10].id) for i in range(50)]
        channels = [Channel(code="audit", name="审计", kind="file"),
                    Channel(code="petition", name="信访举报", kind="manual", confidential=True)]
        session.add_all(points + channels)
        session.flush()
        point_ids = [(p.id, p.department_id) for p in points]
        channel_ids = [c.id for c in channels]
    engine = make_engine(url)
    spread = QUARTERS if quarters >= 12 else QUARTERS[QUARTERS.index(TARGET) + 1 - quarters:
                                                        QUARTERS.index(TARGET) + 1]
    spans = [(q.starts_at(), q.ends_at()) for q in spread]
    for first in range(1, records + 1, CHUNK):
        signals, warnings, rows, events = [], [], [], []
        for i in range(first, min(first + CHUNK, records + 1)):
            start, end = spans[rng.randrange(len(spans))]
            created = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
            point, dept = point_ids[rng.randrange(50)]
            signals.append({"id": i, "channel_id": channel_ids[i % 2], "external_id": f"S{i}",
                            "title": f"信号{i}", "text": "", "department_id": dept,
                            "received_at": created, "status": "evaluated", "extra": {}})
            warnings.append({"id": i, "risk_point_id": point, "department_id": dept,
                             # one open warning per point and subject: keys stay unique
                             "subject_kind": "department", "subject_key": f"k{i}",
                             "subject_name": "对象", "rule_id": "r", "rule_version": "v",
                             "signal_id": i, "response": "talk", "severity": 1,
                             "repeat_count": 1, "is_open": True, "created_at": created})
            fate = rng.random()
            steps = [("issue", "", "issued")]
            if fate > 0.1:
                steps += [("receive", "issued", "received"), ("assign", "received",
                                                                "in_progress"),
                          ("report", "in_progress", "reported")]
            if fate > 0.8:
                steps += [("return", "reported", "in_progress"),
                          ("report", "in_progress", "reported")]
            if 0.05 < fate < 0.08:
                steps.append(("escalate", steps[-1][2], steps[-1][2]))
            closed = fate > 0.25
            if closed:
                steps.append(("accept", "reported", "closed"))
            at = created
            mine = len(events)
            for seq, (action, before, after) in enumerate(steps, start=1):
                at = at + timedelta(hours=rng.randrange(1, 96))
                events.append({"record_id": i, "seq": seq, "action": action,
                               "from_state": before, "to_state": after, "actor": "bench",
                               "comment": "", "data": {}, "created_at": at,
                               "prev_hash": "", "hash": ""})
            rows.append({"id": i, "warning_id": i, "state": steps[-1][2], "version": len(steps),
                         "responsible_person": "", "receive_due_at": created + timedelta(days=2),
                         "report_due_at": created + timedelta(days=15), "overdue_level": 0,
                         "report_round": 0, "closed_at": at if closed else None,
                         "updated_at": at, "issued_at": events[mine]["created_at"],
                         **facts_from_events((e["action"], e["created_at"])
                                             for e in events[mine:])})
        with engine.begin() as conn:
            insert_many(conn, Signal.__table__, signals)
            insert_many(conn, RiskWarning.__table__, warnings)
            insert_many(conn, HandlingRecord.__table__, rows)
            insert_many(conn, HandlingEvent.__table__, events)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("signals", "warnings", "handling_records", "handling_events"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def time_figures(url: str) -> tuple[float, float, float, float, float]:
    """Return seconds for build_review and for the hand-written SQL (best of three each), and
    this process's CPU seconds in the best build_review (the database's own, on PostgreSQL,
    are not in it); then the SQL's seconds as one statement and as its parts one by one (the
    yardstick is the faster of the two)."""
    sessions = make_sessionmaker(make_engine(url))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    parameters = _parameters(url, now)
    ours, whole, parts, cpu = [], [], [], []
    for _ in range(3):
        with sessions() as session:
            started, used = time.perf_counter(), time.process_time()
            review = build_review(session, principal=None, quarter=TARGET, now=now)
            ours.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        with sessions() as session:
            started = time.perf_counter()
            rows = session.execute(text(raw_sql(dialect)), parameters).all()
            whole.append(time.perf_counter() - started)
        assert rows and rows[0][6] > 0, "the hand-written SQL counted no signals"
        counted, shown = raw_totals(rows), review_totals(review)
        assert counted == shown, f"the hand-written SQL counts differently: {counted} {shown}"
        with sessions() as session:
            started = time.perf_counter()
            for part in raw_parts(dialect):
                session.execute(text(part), {k: v for k, v in parameters.items()
                                             if f":{k}" in part}).all()
            parts.append(time.perf_counter() - started)
    raw = min(min(whole), min(parts))
    return min(ours), raw, cpu[ours.index(min(ours))], min(whole), min(parts)


def _parameters(url: str, now: datetime) -> dict[str, object]:
    """The hand-written SQL's parameters for TARGET as seen at `now`."""
    stale = months_before(Period.of(TARGET, now).as_of, DEFAULT_STALE_MONTHS)
    sqlite = url.startswith("sqlite")
    return raw_parameters(TARGET, now, stale.isoformat() if sqlite else stale, sqlite)


def file_child(url: str, fmt: str, out: str) -> None:
    """Write one review file (run in a child process); print seconds and peak RSS in MB."""
    from warning.review.files import ReviewFormat, review_file

    sessions = make_sessionmaker(make_engine(url))
    started = time.perf_counter()
    with sessions() as session:
        made = review_file(session, principal=None, quarter=TARGET,
                           now=datetime(2026, 11, 1, tzinfo=UTC), fmt=ReviewFormat(fmt))
    Path(out).write_bytes(made.content)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{seconds:.2f} {usage.ru_utime + usage.ru_stime:.2f} {usage.ru_maxrss / 1024:.0f}")


def time_file(url: str, fmt: str) -> tuple[float, float, float]:
    """Return wall seconds, CPU seconds (the child's user+sys) and peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as out:
        done = subprocess.run([sys.executable, __file__, "--child", url, fmt, out.name],
                              capture_output=True, text=True, check=True)
    seconds, cpu, peak = done.stdout.split()[-3:]
    return float(seconds), float(cpu), float(peak)


def _settle(url: str) -> None:
    """VACUUM ANALYZE on PostgreSQL: the visibility map index-only scans need, and statistics
    (autovacuum does the same on a settled database); ANALYZE on SQLite, so indexes added by
    a migration after the build have statistics too."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                              else "ANALYZE"))
    finally:
        engine.dispose()


def _built(url: str) -> int:
    """Return how many handling records the database already holds."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM handling_records")).scalar() or 0)
    finally:
        engine.dispose()


def run(url: str, records: int, ledger_records: int, quarters: int = 12,
        files: bool = True) -> None:
    upgrade(url)
    started = time.perf_counter()
    held = _built(url)
    if held:
        records = held
    else:
        build(url, records, quarters)
    _settle(url)
    loaded = time.perf_counter() - started
    ours, raw, cpu, whole, parts = time_figures(url)
    name = url.split(":", 1)[0]
    print(f"{name:10s} records={records:,} events≈{records * 5:,} (loaded in {loaded:.0f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  figures of {TARGET}: {ours:.2f} s ({cpu:.2f} s CPU in Python); hand-written SQL "
          f"{raw:.2f} s (x{ours / raw:.1f}; as one statement {whole:.2f} s, as its parts "
          f"{parts:.2f} s; load average {os.getloadavg()[0]:.1f})")
    per_quarter = records // min(quarters, 12)
    if not files or per_quarter > ledger_records:
        print(f"  files: skipped (the quarter holds ~{per_quarter:,} records; pass "
              f"--ledger-records or --quarters to size a run)")
        return
    for fmt in ("xlsx", "docx"):
        seconds, cpu, peak = time_file(url, fmt)
        print(f"  {fmt} of {TARGET} (~{per_quarter:,} records): {seconds:.2f} s, "
              f"{cpu:.2f} s CPU, peak RSS {peak:.0f} MB "
              f"(load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        file_child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--ledger-records", type=int, default=50_000)
    parser.add_argument("--quarters", type=int, default=12,
                        help="spread the records over this many quarters ending with 2026Q3")
    parser.add_argument("--no-files", action="store_true", help="time the figures only")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-file", default=None, help="keep and reuse this SQLite file")
    parser.add_argument("--pg-db", default=None, help="keep and reuse this PostgreSQL database")
    args = parser.parse_args()
    if args.only != "postgresql":
        path = args.sqlite_file or f"{tempfile.mkdtemp()}/review.db"
        run(f"sqlite:///{path}", args.records, args.ledger_records, args.quarters,
            not args.no_files)
    if args.only == "sqlite":
        return
    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = args.pg_db or f"qf_review_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(args.pg_url.rsplit("/", 1)[0] + "/" + name, args.records, args.ledger_records,
            args.quarters, not args.no_files)
    finally:
        if args.pg_db is None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
