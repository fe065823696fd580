"""Rules page hit figures: one grouped query over rule_hits at 100,000 signals.

Builds `--signals` signals (default 100,000) over ten departments and two channels (one
confidential), each hit by one or two of 60 rules, then times `rule_hit_counts` (the
page's query) for the office (every hit), a handler (one department, no confidential
channel) and a leader (supervised departments), against the raw limit measured in the same
run: the bare `SELECT rule_id, count(*), max(hit_at) FROM rule_hits GROUP BY rule_id`.
Best of five, wall and process CPU time.
Run: .venv/bin/python bench/rule_hits_bench.py [--signals 100000] [--only sqlite|postgresql]
"""

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warning.auth.principal import Principal
from warning.db.bulk import insert_many
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.migrate import upgrade
from warning.db.models import Channel, Department, Person, RiskPoint, RuleHit, Signal, Unit
from warning.domain.lifecycle import Role
from warning.queries.rule_hits import rule_hit_counts

CHUNK = 20_000
RULES = 60
RAW_SQL = "SELECT rule_id, COUNT(*), MAX(hit_at) FROM rule_hits GROUP BY rule_id"


def build(url: str, n: int, seed: int = 7) -> tuple[int, int]:
    """Create the organisation and the signals with their hits; return (department, leader)."""
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
        leader = Person(name="分管领导", department_id=departments[0].id)
        session.add(leader)
        session.flush()
        for d in departments[:3]:
            d.leader_id = leader.id
        points = [RiskPoint(code=f"P{i:03d}", name=f"风险点{i}", category="业务流程",
                            level="medium", owner_level="department",
                            department_id=departments[i % 10].id) for i in range(RULES)]
        channels = [Channel(code="audit", name="审计", kind="file"),
                    Channel(code="petition", name="信访举报", kind="manual", confidential=True)]
        session.add_all(points + channels)
        session.flush()
        department_ids = [d.id for d in departments]
        point_ids = [p.id for p in points]
        channel_ids = [c.id for c in channels]
        first_department, leader_id = department_ids[1], leader.id
    engine = make_engine(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hit_id = 0
    for first in range(1, n + 1, CHUNK):
        signals, hits = [], []
        for i in range(first, min(first + CHUNK, n + 1)):
            at = start + timedelta(seconds=rng.randrange(300 * 86400))
            dept = department_ids[rng.randrange(10)]
            signals.append({"id": i, "channel_id": channel_ids[i % 2], "external_id": f"S{i}",
                            "title": f"信号{i}", "text": "", "department_id": dept,
                            "received_at": at, "status": "evaluated", "extra": {}})
            for rule in rng.sample(range(RULES), rng.choice((1, 1, 2))):
                hit_id += 1
                hits.append({"id": hit_id, "signal_id": i, "rule_id": f"rule-{rule}",
                             "rule_version": "v", "risk_point_id": point_ids[rule],
                             "mode": "active", "subject_key": f"department:{dept}",
                             "hit_at": at, "counted_at": at})
        with engine.begin() as conn:
            insert_many(conn, Signal.__table__, signals)
            insert_many(conn, RuleHit.__table__, hits)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return first_department, leader_id


def best(run: Callable[[], object], times: int = 5) -> tuple[float, float]:
    """Return the best wall and CPU seconds of `times` runs."""
    wall, cpu = [], []
    for _ in range(times):
        w, c = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def run(url: str, n: int) -> None:
    upgrade(url)
    started = time.perf_counter()
    department, leader = build(url, n)
    loaded = time.perf_counter() - started
    sessions = make_sessionmaker(make_engine(url))
    principals = {
        "office": Principal(user_id=1, name="o", role=Role.OFFICE),
        "handler": Principal(user_id=2, name="h", role=Role.HANDLER, department_id=department),
        "leader": Principal(user_id=3, name="l", role=Role.LEADER, person_id=leader),
    }
    name = url.split(":", 1)[0]
    with sessions() as session:
        hits = session.scalar(text("SELECT COUNT(*) FROM rule_hits"))
        raw = best(lambda: session.execute(text(RAW_SQL)).all())
        print(f"{name:10s} signals={n:,} rule_hits={hits:,} (loaded in {loaded:.0f} s)")
        print(f"  raw GROUP BY over rule_hits: {raw[0] * 1000:.1f} ms (cpu {raw[1] * 1000:.1f})")
        for role, principal in principals.items():
            figures: dict[str, object] = {}

            def page_query(p: Principal = principal, into: dict[str, object] = figures) -> None:
                into.update(rule_hit_counts(session, p))

            wall, cpu = best(page_query)
            print(f"  rule_hit_counts as {role:8s}: {wall * 1000:.1f} ms (cpu {cpu * 1000:.1f}),"
                  f" {len(figures)} rules, x{wall / raw[0]:.1f} of raw")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.only != "postgresql":
        run(f"sqlite:///{tempfile.mkdtemp()}/hits.db", args.signals)
    if args.only == "sqlite":
        return
    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"qf_hits_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(args.pg_url.rsplit("/", 1)[0] + "/" + name, args.signals)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
