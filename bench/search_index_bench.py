"""Search-index bench: what SQLite's search index (migration 0009a) costs a batch import.

Imports signals that match no rule (bench/rules_bench.py's `none` kind: 480-character
texts) through Intake.ingest in batches of 1,000, in this process, on fresh seeded SQLite
databases, three ways:
  none      no index (the database taken down to 0008b)
  watermark the index as shipped: inserts are not indexed; then the scheduled job's
            index_new_signals is timed on its own
  trigger   the alternative not taken: an AFTER INSERT trigger indexing every signal
Prints signals/s and CPU µs per signal (this process plus the rule engine's child), and
the load average.
Run: .venv/bin/python bench/search_index_bench.py [--signals 4000] [--rules 500]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.rules_bench import _runtime, bodies_for, run_import  # noqa: E402
from bench.workload import seed_database, write_files  # noqa: E402

BODY = " || ".join(f"coalesce(new.{name}, '') || char(1)" for name in ("title", "external_id",
                                                                           "text"))
TRIGGER = ("CREATE TRIGGER bench_index_every_insert AFTER INSERT ON signals BEGIN "
           f"INSERT INTO signals_search(rowid, body) VALUES (new.id, {BODY}); END")

# a first import pays for warming up (the first `none` measured ~20 µs more per signal than
# the second): WARM-UP is not counted, and each way runs twice, in mirrored order
WAYS = ("warm-up", "none", "watermark", "trigger", "trigger", "watermark", "none")


def prepare(url: str, way: str) -> None:
    """Shape a seeded database for `way`."""
    from alembic import command
    from sqlalchemy import text

    from warning.db.engine import make_engine
    from warning.db.migrate import alembic_config

    if way in ("none", "warm-up"):
        command.downgrade(alembic_config(url), "0008b")
        # the service refuses a database behind the code: mark it current, objects gone
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0009a'"))
        engine.dispose()
    elif way == "trigger":
        engine = make_engine(url)
        with engine.begin() as conn:  # instead of the shipped one (new ids under the mark)
            conn.execute(text("DROP TRIGGER signals_search_insert"))
            conn.execute(text(TRIGGER))
        engine.dispose()


def catch_up(root: Path, url: str) -> tuple[int, float, float]:
    """Time the scheduled job indexing everything imported; return (rows, wall s, CPU s)."""
    from warning.queries.search_index import index_new_signals

    rt = _runtime(url, root)
    wall, cpu = time.perf_counter(), time.process_time()
    rows = index_new_signals(rt.sessions)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rt.close()
    return rows, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=4000)
    parser.add_argument("--rules", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qf-search-index-bench-") as tmp:
        for n, way in enumerate(WAYS):
            root = Path(tmp) / f"{way}-{n}"
            work = write_files(root, args.rules)
            url = f"sqlite:///{root / 'import.db'}"
            seed_database(url, args.rules)
            prepare(url, way)
            bodies = bodies_for("none", args.signals, work.keywords, n)
            per_s, per_cpu_s = run_import(root, url, bodies, None)
            line = (f"{way:9s} import {per_s:7.0f} signals/s wall, {1e6 / per_cpu_s:6.1f} µs "
                    f"CPU/signal")
            if way == "watermark":
                rows, wall, cpu = catch_up(root, url)
                line += (f"; index_new_signals {rows} rows in {wall:.2f} s wall, "
                         f"{cpu * 1e6 / rows:.1f} µs CPU/signal")
            print(f"{line}  (load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
