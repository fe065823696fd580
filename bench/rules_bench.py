"""Rules bench: batch import at 500 and 2,000 rules, signals that match nothing or ~14 rules.

Signal kinds (`--kinds`):
  none         no rule's keyword
  dense        15 rules' keywords, about 14 of whose rules fire; every rule its own risk
               point and no `repeat`: each hit its own new warning (the worst case)
  register50   the same signals, the rules mapped onto a register of 50 risk points (rule i
  register200  on point i % P, several rules a point) with a quarter of the rules counting
               repeats per department and a quarter per person; a fifth of the signals name
               no person. Hits on a point and subject join one warning, as in an office.
For each rule count R and each kind, on a fresh seeded SQLite database:
  cli        `qingfeng signal import FILE` as a subprocess (wall time, start-up included)
  import     Intake.ingest in batches of 1,000 in this process (what the CLI runs)
  evaluator  Evaluator.match_many alone (text prefilter + the engine child), no database
  raw-dr     raw durable-rules in-process on the same compiled shards: every fact posted
             to every shard, no prefilter (the engine limit; run on a sample of signals)
  raw-sqlite the rows `import` wrote (signals, hits, links, warnings, records, events,
             notices) inserted again into an empty copy of the schema with plain
             sqlite3.executemany, one transaction: SQLite's own cost of those rows
Run: .venv/bin/python bench/rules_bench.py [--rules 500,2000] [--signals 4000]
     [--dense-signals 1000] [--raw-sample 300] [--kinds none,dense,register50,register200]
     [--no-cli] [--profile KIND] (cProfile of the in-process import at the largest rule
     count)
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.workload import seed_database, signals, write_files, write_jsonl  # noqa: E402

DENSE_KEYWORDS = 15
KINDS = ("none", "dense", "register50", "register200")
WRITTEN = ("signals", "warnings", "warning_signals", "rule_hits", "handling_records",
           "handling_events", "notices")  # in the order foreign keys allow


def points_of(kind: str) -> int | None:
    """Return the register size of a kind (None: one risk point per rule)."""
    return int(kind.removeprefix("register")) if kind.startswith("register") else None


def bodies_for(kind: str, n: int, keywords: list[str], seed: int) -> list[dict]:
    """Return n signal bodies: `none` match no rule, the others carry 15 rules' keywords."""
    out = signals(n, keywords, match_share=0.0, seed=seed)
    if kind != "none":
        rng = random.Random(seed)
        for i, body in enumerate(out):
            words = rng.sample(keywords, DENSE_KEYWORDS)
            body["text"] = body["text"][:300] + "，".join(words)
            if points_of(kind) is not None and i % 5 == 4:
                del body["person"]
    for i, body in enumerate(out):
        body["external_id"] = f"{kind}-{seed}-{i}"
    return out


def _runtime(url: str, root: Path):  # type: ignore[no-untyped-def]
    from warning.runtime import build_runtime
    from warning.settings import load_settings

    settings = load_settings(database_url=url, rules_dir=root / "rules",
                             channels_dir=root / "channels")
    rt = build_runtime(settings, load_rules=False)
    rt.sync_channels()
    problems = rt.rules.load()
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return rt


def _warnings(url: str) -> int:
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return int(conn.execute("SELECT count(*) FROM warnings").fetchone()[0])


def raw_sqlite(path: Path, n_signals: int) -> dict[str, float]:
    """Insert again the rows an import wrote, with plain sqlite3.executemany under the
    service's pragmas (WAL, foreign keys on); return the CPU ms per signal (in all, per
    table, and in all with foreign keys off) and the rows per signal."""
    import sqlite3

    source = sqlite3.connect(path)
    schema = source.execute("SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND type IN ('table', 'index', 'trigger') "
                            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END"
                            ).fetchall()
    # The search index (FTS5, migration 0009a) is filled by its job, not by intake: leave
    # the virtual table and its shadow tables out (its state table and triggers stay).
    schema = [(name, kind, sql) for name, kind, sql in schema
              if not (name == "signals_search" or (name.startswith("signals_search_")
                                                   and name != "signals_search_state"))]
    names = [name for name, kind, _sql in schema
             if kind == "table" and not name.startswith("sqlite_")]
    tables = {name: source.execute(f"SELECT * FROM {name}").fetchall() for name in names}
    source.close()
    out: dict[str, float] = {}
    for foreign_keys in ("ON", "OFF"):
        target_path = path.with_name("raw.db")
        target = sqlite3.connect(target_path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"foreign_keys={foreign_keys}"):
            target.execute(f"PRAGMA {pragma}")
        for _name, _kind, sql in schema:
            target.execute(sql)

        def insert(name: str, target: sqlite3.Connection = target) -> float:
            rows = tables[name]
            cpu = time.process_time()
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                target.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            return time.process_time() - cpu

        target.execute("BEGIN")
        for name in [n for n in names if n not in WRITTEN]:
            insert(name)  # the directory and register, which the written rows refer to
        target.execute("COMMIT")
        cpu = time.process_time()
        target.execute("BEGIN")
        each = {name: insert(name) for name in WRITTEN}
        target.execute("COMMIT")
        used = time.process_time() - cpu
        target.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target_path}{suffix}").unlink(missing_ok=True)
        if foreign_keys == "ON":
            out["raw_sqlite_ms"] = 1000 * used / n_signals
            out |= {f"raw_{name}_ms": 1000 * t / n_signals for name, t in each.items()}
        else:
            out["raw_sqlite_nofk_ms"] = 1000 * used / n_signals
    out["rows_per_signal"] = sum(len(tables[name]) for name in WRITTEN) / n_signals
    out |= {f"rows_{name}": len(tables[name]) / n_signals for name in WRITTEN}
    return out


def _child_cpu_s(pid: int | None) -> float:
    """Return the CPU seconds an engine child has used so far (0 when there is none)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(
    root: Path, url: str, bodies: list[dict], profile: Path | None
) -> tuple[float, float]:
    """Import through Intake.ingest in batches of 1,000; return signals/s (wall, CPU)."""
    from warning.services.signal_input import SignalIn

    rt = _runtime(url, root)
    engine = rt.rules.current().evaluator.engine
    # CPU time, not wall time: on a loaded machine wall time charges preemptions at random
    profiler = cProfile.Profile(time.process_time) if profile else None
    start, cpu, child = time.perf_counter(), time.process_time(), _child_cpu_s(engine.pid)
    if profiler:
        profiler.enable()
    for at in range(0, len(bodies), 1000):
        rt.intake.ingest([SignalIn.model_validate(b) for b in bodies[at : at + 1000]])
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    elapsed = time.perf_counter() - start
    used = time.process_time() - cpu + _child_cpu_s(engine.pid) - child
    rt.close()
    return len(bodies) / elapsed, len(bodies) / used


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(root: Path, url: str, bodies: list[dict]) -> tuple[float, float]:
    """Run `qingfeng signal import` on a JSON-lines file; return signals/s (wall, CPU).

    The CPU figure counts the command's process (start-up included), not its engine child.
    """
    path = root / f"{bodies[0]['external_id']}.jsonl"
    write_jsonl(path, bodies)
    env = {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(root / "rules"),
           "QINGFENG_CHANNELS_DIR": str(root / "channels"), "PATH": "/usr/bin:/bin"}
    start, cpu = time.perf_counter(), _children_cpu_s()
    done = subprocess.run([sys.executable, "-m", "warning.cli.main", "signal", "import",
                           str(path)], env=env, capture_output=True, text=True)
    elapsed, used = time.perf_counter() - start, _children_cpu_s() - cpu
    if done.returncode != 0:
        raise SystemExit(f"signal import exited {done.returncode}: {done.stderr[-2000:]}")
    return len(bodies) / elapsed, len(bodies) / used


def run_evaluator(root: Path, bodies: list[dict], raw_sample: int) -> dict[str, float]:
    """Time the evaluator alone and raw durable-rules on a sample; return the figures."""
    from warning.rules import engine
    from warning.rules.bench_support import _facts
    from warning.rules.evaluator import Evaluator
    from warning.rules.loader import load_rulebook

    rulebook = load_rulebook(root / "rules", risk_points=None, channels=None)
    facts = [_facts(b) for b in bodies]
    evaluator = Evaluator(rulebook)
    start = time.perf_counter()
    matches = sum(len(m) for batch in range(0, len(facts), 1000)
                  for m in evaluator.match_many(facts[batch : batch + 1000]))
    ours = len(facts) / (time.perf_counter() - start)
    sample = facts[:raw_sample]
    start = time.perf_counter()
    raw_matches = engine.raw_durable_run(rulebook.rules, sample)
    raw = len(sample) / (time.perf_counter() - start)
    ours_sample = sum(len(m) for m in evaluator.match_many(sample))
    if raw_matches != ours_sample:
        raise SystemExit(f"raw durable found {raw_matches} matches, ours {ours_sample}")
    return {"evaluator_per_s": ours, "raw_dr_per_s": raw,
            "matches_per_signal": matches / len(facts)}


def one(args: argparse.Namespace, n_rules: int, kind: str, base: Path) -> dict[str, float]:
    """Measure one (rule count, signal kind) cell on fresh databases."""
    root = base / f"r{n_rules}-{kind}"
    work = write_files(root, n_rules, points_of(kind))
    n_points = points_of(kind) or n_rules
    result: dict[str, float] = {}
    url = f"sqlite:///{root / 'import.db'}"
    seed_database(url, n_points)
    profile = root / "dense.prof" if args.profile == kind and n_rules == max(args.rules) else None
    n = args.signals if kind == "none" else args.dense_signals
    load = os.getloadavg()[0]
    result["import_per_s"], result["import_per_cpu_s"] = run_import(
        root, url, bodies_for(kind, n, work.keywords, 1), profile)
    result["load"] = (load + os.getloadavg()[0]) / 2
    result["warnings"] = _warnings(url)
    result |= raw_sqlite(root / "import.db", n)
    result["cli_per_s"] = result["cli_per_cpu_s"] = float("nan")
    if args.cli:
        url = f"sqlite:///{root / 'cli.db'}"
        seed_database(url, n_points)
        _runtime(url, root).close()  # the channels, as `qingfeng serve` would have synced
        result["cli_per_s"], result["cli_per_cpu_s"] = run_cli(
            root, url, bodies_for(kind, n, work.keywords, 2))
    result |= run_evaluator(root, bodies_for(kind, n, work.keywords, 3), args.raw_sample)
    if profile:
        stats = pstats.Stats(str(profile))
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", default="500,2000",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--signals", type=int, default=4000, help="signals matching nothing")
    parser.add_argument("--dense-signals", type=int, default=1000)
    parser.add_argument("--raw-sample", type=int, default=300)
    parser.add_argument("--kinds", default=",".join(KINDS),
                        type=lambda s: [k for k in s.split(",") if k in KINDS or
                                        parser.error(f"unknown kind {k}")])
    parser.add_argument("--no-cli", dest="cli", action="store_false",
                        help="skip `qingfeng signal import` (its start-up is another topic)")
    parser.add_argument("--profile", choices=KINDS, default=None)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="qf-rules-bench-") as tmp:
        for n_rules in args.rules:
            for kind in args.kinds:
                results[(n_rules, kind)] = one(args, n_rules, kind, Path(tmp))
                print(f"# {n_rules} rules, {kind}: {json.dumps(results[(n_rules, kind)])}",
                      flush=True)
    print(f"\n{args.signals} (none) / {args.dense_signals} (others) signals per cell, SQLite, "
          f"batches of 1,000; raw-dr on {args.raw_sample} signals\n")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall figures shrink with load; CPU figures much less)\n")
    print("| rules | signals | matches/signal | warnings | qingfeng signal import/s (wall) | "
          "qingfeng signal import per CPU-s | "
          "Intake.ingest/s (wall) | Intake.ingest/CPU-s (incl. engine child) | evaluator/s | "
          "raw durable-rules/s | rows/signal | raw sqlite3 executemany ms CPU/signal "
          "(its cap, signals per CPU-s) | same, foreign keys off | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (n_rules, kind), r in results.items():
        print(f"| {n_rules} | {kind} | {r['matches_per_signal']:.1f} | {r['warnings']:.0f} | "
              f"{r['cli_per_s']:,.0f} | {r['cli_per_cpu_s']:,.0f} | {r['import_per_s']:,.0f} | "
              f"{r['import_per_cpu_s']:,.0f} | {r['evaluator_per_s']:,.0f} | "
              f"{r['raw_dr_per_s']:,.0f} | {r['rows_per_signal']:.1f} | "
              f"{r['raw_sqlite_ms']:.3f} ({1000 / max(r['raw_sqlite_ms'], 1e-9):,.0f}) | "
              f"{r['raw_sqlite_nofk_ms']:.3f} | {r['load']:.1f} |")
    print("\nRaw sqlite3 per table (rows per signal, CPU ms per signal, foreign keys on):\n")
    print("| rules | signals | " + " | ".join(WRITTEN) + " |")
    print("|---|---|" + "---|" * len(WRITTEN))
    for (n_rules, kind), r in results.items():
        print(f"| {n_rules} | {kind} | " + " | ".join(
            f"{r['rows_' + name]:.1f}: {r['raw_' + name + '_ms']:.3f}" for name in WRITTEN) + " |")


if __name__ == "__main__":
    main()
