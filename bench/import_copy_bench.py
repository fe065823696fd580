"""Batch import on PostgreSQL against a raw COPY of the same rows, in one run.

The file is N generated signals as .jsonl (bench/workload.py; --match-share of them carry
a rule's keyword, 0 by default: evaluation then only finds that nothing matches). Steps,
each on its own fresh, seeded database so no step finds the rows of another:
  copy-bare   psycopg COPY of the file's rows (read and json-decoded here, the columns the
              import stores) into a scratch table with the signals table's columns and
              defaults but no index: the storage limit
  copy-same   the same into a scratch table LIKE signals INCLUDING ALL: its primary key,
              the (channel, external id) unique index and the others, the two trigram GIN
              indexes of the search box included: the limit for a table shaped like ours
              (--without-trigrams drops those two from `signals` in every step)
  separate    the import's passes as they were before session 6, in this process, each
              timed: check (parse and validate every row), store (parse again, write all
              or nothing, every row `received`), evaluate (and mark each `evaluated`)
  import      check, then `import_file`: on PostgreSQL the rows are stored already
              evaluated, in one transaction with the evaluation of those that matched
  cli         `qingfeng signal import FILE` end to end, wall time, as an office runs it
Rates are rows per second of wall time; the CPU time of this process is printed beside
them (PostgreSQL's own work is in another process: the wall time is what counts).
Run: .venv/bin/python bench/import_copy_bench.py [--signals 50000] [--rules 500] [--rounds 3]
       [--match-share 0] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.workload import seed_database, signals, write_files, write_jsonl  # noqa: E402

TRIGRAM_INDEXES = ("ix_signals_title_trgm", "ix_signals_text_trgm")
COPIED = ("channel_id", "external_id", "title", "text", "department_id", "person", "post",
          "amount", "occurred_at", "received_at", "status", "attempts", "last_error", "extra")


@contextmanager
def fresh_db(admin_url: str, name: str, rules: int, trigrams: bool = True) -> Iterator[str]:
    """Yield a migrated, seeded scratch PostgreSQL database; drop it afterwards."""
    from sqlalchemy import text

    from warning.db.engine import make_engine

    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    db = f"qf_import_{name.replace('-', '_')}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + db
    try:
        seed_database(url, rules)
        if not trigrams:
            engine = make_engine(url)
            with engine.begin() as conn:
                for name in TRIGRAM_INDEXES:
                    conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
            engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run `step`; return its result, wall seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def raw_copy(url: str, path: Path, like: str) -> dict[str, float]:
    """COPY the file's rows into a scratch table `LIKE signals <like>`; return the rate."""
    import psycopg
    from psycopg.types.json import Json

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        channels = dict(conn.execute("SELECT code, id FROM channels").fetchall())
        departments = dict(conn.execute("SELECT code, id FROM departments").fetchall())
        conn.execute(f"CREATE TABLE scratch_signals (LIKE signals {like})")
        conn.commit()

        def copy() -> int:
            now = datetime.now(UTC)
            n = 0
            with conn.cursor() as cur, cur.copy(
                f"COPY scratch_signals ({', '.join(COPIED)}) FROM STDIN"
            ) as out, path.open(encoding="utf-8") as source:
                for line in source:
                    b = json.loads(line)
                    out.write_row((channels[b["channel"]], b["external_id"], b["title"],
                                   b["text"], departments[b["department"]], b["person"], "",
                                   b["amount"], None, now, "received", 0, "", Json({})))
                    n += 1
            conn.commit()
            return n

        rows, wall, cpu = timed(copy)
    return {"rows": rows, "per_s": rows / wall, "seconds": wall, "cpu_s": cpu,
            "load": os.getloadavg()[0]}


def sync_channels(url: str, root: Path) -> None:
    """Create the bench's channels in the database (the import refuses unknown ones)."""
    from warning.channels.loader import load_channels
    from warning.channels.sync import sync_channels as sync
    from warning.db.engine import make_engine, make_sessionmaker, transaction

    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        sync(session, load_channels(root / "channels"))
    engine.dispose()


def import_passes(url: str, root: Path, path: Path, separate: bool) -> dict[str, float]:
    """Run check, then store and evaluate, in this process, each timed.

    `separate`: the flow before session 6 (store every row `received`, then evaluate and
    mark each one `evaluated`); otherwise `import_file` (store already evaluated).
    """
    from warning.runtime import build_runtime
    from warning.services.signal_import import SignalFile, check, evaluate, import_file, store
    from warning.settings import load_settings

    settings = load_settings(database_url=url, rules_dir=root / "rules",
                             channels_dir=root / "channels")
    rt = build_runtime(settings)
    source = SignalFile(path)
    try:
        report, check_s, check_cpu = timed(lambda: check(source, rt))
        if separate:
            (ids, created), store_s, store_cpu = timed(lambda: store(source, rt))
            (evaluated, warnings), eval_s, eval_cpu = timed(lambda: evaluate(rt, ids))
        else:
            done, store_s, store_cpu = timed(lambda: import_file(source, rt))
            created, evaluated, warnings = done.created, done.evaluated, done.warnings
            eval_s = eval_cpu = 0.0
    finally:
        rt.close()
    rows = report.rows
    return {"rows": rows, "created": created, "evaluated": evaluated, "warnings": warnings,
            "check_per_s": rows / check_s, "store_per_s": rows / store_s,
            "evaluate_per_s": rows / eval_s if eval_s else 0.0,
            "store_evaluate_per_s": rows / (store_s + eval_s),
            "end_to_end_per_s": rows / (check_s + store_s + eval_s),
            "check_s": check_s, "store_s": store_s, "evaluate_s": eval_s,
            "check_cpu_s": check_cpu, "store_cpu_s": store_cpu, "evaluate_cpu_s": eval_cpu,
            "load": os.getloadavg()[0]} | table_writes(url)


def table_writes(url: str) -> dict[str, float]:
    """Return the signals table's row writes (inserts, updates, HOT updates) so far."""
    from sqlalchemy import text

    from warning.db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        ins, upd, hot = conn.execute(text(
            "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'signals'")).one()
    engine.dispose()
    return {"signals_inserted": ins, "signals_updated": upd, "signals_hot_updated": hot}


def cli_import(url: str, root: Path, path: Path) -> dict[str, float]:
    """Run `qingfeng signal import FILE` and time it."""
    env = os.environ | {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(root / "rules"),
                        "QINGFENG_CHANNELS_DIR": str(root / "channels")}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "warning.cli.main", "signal", "import",
                          str(path)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"import failed:\n{out.stderr[-2000:]}")
    rows = sum(1 for _ in path.open(encoding="utf-8"))
    return {"rows": rows, "per_s": rows / wall, "seconds": wall,
            "said": out.stdout.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--match-share", type=float, default=0.0)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--steps", default="copy-bare,copy-same,separate,import,cli")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the steps this many times; each round's figures are shares "
                             "of that round's COPY, then the median share is printed")
    parser.add_argument("--without-trigrams", action="store_true",
                        help="drop the search box's trigram indexes on signals first (to see "
                             "what they cost; copy-same then has none either)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="qf-import-bench-"))
    try:
        work = write_files(root, args.rules)
        path = root / "signals.jsonl"
        write_jsonl(path, signals(args.signals, work.keywords, args.match_share))
        rounds: list[dict[str, dict[str, Any]]] = []
        for _ in range(args.rounds):
            results: dict[str, dict[str, Any]] = {}
            for step in args.steps.split(","):
                results[step] = run_step(args, root, path, step)
                print(f"{step:9s} {json.dumps(results[step], ensure_ascii=False)}", flush=True)
            rounds.append(results)
        report(args, rounds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_step(args: argparse.Namespace, root: Path, path: Path, step: str) -> dict[str, Any]:
    """Run one step on its own fresh, seeded database."""
    with fresh_db(args.pg_url, step, args.rules, not args.without_trigrams) as url:
        sync_channels(url, root)
        if step == "copy-bare":
            return raw_copy(url, path, "INCLUDING DEFAULTS")
        if step == "copy-same":
            return raw_copy(url, path, "INCLUDING ALL")
        if step in ("import", "separate"):
            return import_passes(url, root, path, step == "separate")
        return cli_import(url, root, path)


def report(args: argparse.Namespace, rounds: list[dict[str, dict[str, Any]]]) -> None:
    """Print each import figure as a share of the COPY limits measured in the same round."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"import vs COPY: {args.signals} signals, {args.rules} rules, match share "
          f"{args.match_share:.0%}, PostgreSQL"
          f"{' without the trigram indexes' if args.without_trigrams else ''}, "
          f"{os.cpu_count()} cores (shared; load {load}), {len(rounds)} round(s), "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    shares: dict[str, list[float]] = {}
    for number, results in enumerate(rounds, 1):
        print(f" round {number}:")
        for label, rate, limits in round_figures(results):
            parts = []
            for name, limit in limits.items():
                parts.append(f"{rate / limit:.0%} of {name}")
                shares.setdefault(f"{label} / {name}", []).append(rate / limit)
            print(f"  {label}: {rate:,.0f} rows/s" + (f" ({', '.join(parts)})" if parts else ""))
    if len(rounds) > 1:
        print(" median over the rounds:")
        for label, values in shares.items():
            print(f"  {label}: {statistics.median(values):.0%} "
                  f"(rounds: {', '.join(f'{v:.0%}' for v in values)})")


def round_figures(
    results: dict[str, dict[str, Any]],
) -> list[tuple[str, float, dict[str, float]]]:
    """Return (label, rows/s, the round's COPY limits) for each figure of one round."""
    limits = {k: results[k]["per_s"] for k in ("copy-bare", "copy-same") if k in results}
    figures: list[tuple[str, float, dict[str, float]]] = []
    for name, rate in limits.items():
        r = results[name]
        figures.append((f"raw {name} ({r['seconds']:.1f} s, CPU {r['cpu_s']:.1f} s, "
                        f"load {r['load']:.1f})", rate, {}))
    for step, name in (("separate", "before (store, then evaluate and mark)"),
                       ("import", "after (stored already evaluated)")):
        if step in results:
            r = results[step]
            print(f"  {name}: check {r['check_s']:.1f} s (CPU {r['check_cpu_s']:.1f}), "
                  f"store {r['store_s']:.1f} s (CPU {r['store_cpu_s']:.1f}), evaluate "
                  f"{r['evaluate_s']:.1f} s (CPU {r['evaluate_cpu_s']:.1f}); signals rows "
                  f"inserted {r['signals_inserted']}, updated {r['signals_updated']} "
                  f"(HOT {r['signals_hot_updated']}); {r['warnings']} warnings; "
                  f"load {r['load']:.1f}")
            figures += [(f"{name}: store+evaluate", r["store_evaluate_per_s"], limits),
                        (f"{name}: check+store+evaluate", r["end_to_end_per_s"], limits)]
    if "cli" in results:
        figures.append(("`signal import` (CLI, wall)", results["cli"]["per_s"], limits))
    return figures


if __name__ == "__main__":
    main()
