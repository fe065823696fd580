"""`qingfeng signal import` start-up with 2,000 rules, and its rate on signals that match none.

One seeded SQLite database and 2,000 generated rules (bench/workload.py). Runs, as
subprocesses: `python -c pass` (raw limit), a one-line file (the start-up alone), then files
of 1,000, 10,000 and 50,000 signals that match no rule, each into a fresh copy of the
seeded database. The first one-line run starts with no compiled-rulebook cache ("cold");
the others find it. CPU is user + sys of the command and of its engine child (this process
adopts orphans as a subreaper, so the child's CPU is counted even when the command exits
without waiting for it).
With --base DIR (an export of an earlier commit) every row is measured with that code too
(first on PYTHONPATH), interleaved with this code's runs.
Run: .venv/bin/python bench/import_start_bench.py [--rules 2000] [--sizes 1000,10000,50000]
     [--runs 5] [--base DIR]
"""

import argparse
import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.rules_bench import _runtime, bodies_for  # noqa: E402
from bench.workload import seed_database, write_files, write_jsonl  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


def _adopt_orphans() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap() -> None:
    """Wait for every adopted orphan (the engine children), so their CPU is counted."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command to its end (and its engine child); return (CPU s, wall s)."""
    cpu, start = _children_cpu(), time.perf_counter()
    # not run from the checkout: `-m` puts the working directory first on sys.path
    done = subprocess.run(argv, env=env, cwd=env["HOME"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    _reap()
    if done.returncode != 0:
        raise SystemExit(f"{argv} exited {done.returncode}: {done.stderr[-2000:]}")
    return _children_cpu() - cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--sizes", default="1000,10000,50000",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--runs", type=int, default=5, help="runs of the one-line file")
    parser.add_argument("--base", type=Path, default=None, help="earlier code to compare")
    args = parser.parse_args()
    codes = {"": {"PYTHONPATH": str(HERE.parent)}}
    if args.base is not None:
        codes[", base"] = {"PYTHONPATH": str(args.base.resolve())}
    _adopt_orphans()
    with tempfile.TemporaryDirectory(prefix="qf-import-start-") as tmp:
        root = Path(tmp)
        work = write_files(root, args.rules)
        seeded = root / "seeded.db"
        seed_database(f"sqlite:///{seeded}", args.rules)
        _runtime(f"sqlite:///{seeded}", root).close()  # the channels synced, as serve does
        data = root / "data"
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "QINGFENG_RULES_DIR": str(root / "rules"),
               "QINGFENG_CHANNELS_DIR": str(root / "channels"), "QINGFENG_DATA_DIR": str(data)}

        def imported(name: str, bodies: list[dict], extra: dict[str, str]
                     ) -> tuple[float, float]:
            path, db = root / f"{name}.jsonl", root / f"{name}.db"
            write_jsonl(path, bodies)
            shutil.copy(seeded, db)
            return run([sys.executable, "-m", "warning.cli.main", "signal", "import",
                        str(path)], env | extra | {"QINGFENG_DATABASE_URL": f"sqlite:///{db}"})

        rows: list[tuple[str, int, float, float, float]] = []
        raw: list[tuple[float, float]] = []
        line: dict[str, list[tuple[float, float]]] = {code: [] for code in codes}
        for code, extra in codes.items():
            shutil.rmtree(data, ignore_errors=True)
            cpu, wall = imported("cold", bodies_for("none", 1, work.keywords, 9), extra)
            rows.append((f"one line, no cache (cold){code}", 1, cpu, wall, os.getloadavg()[0]))
        for number in range(args.runs):
            raw.append(run([sys.executable, "-c", "pass"], env))
            for code, extra in codes.items():
                line[code].append(imported(f"one-{number}", bodies_for(
                    "none", 1, work.keywords, 10), extra))
        load = os.getloadavg()[0]
        rows.insert(0, ("`python -c pass` (raw limit)", 0, statistics.median(c for c, _ in raw),
                        statistics.median(w for _, w in raw), load))
        for code, runs in line.items():
            rows.append((f"one line (start-up alone, median of {args.runs}){code}", 1,
                         statistics.median(c for c, _ in runs),
                         statistics.median(w for _, w in runs), load))
        for size in args.sizes:
            bodies = bodies_for("none", size, work.keywords, size)
            for code, extra in codes.items():
                cpu, wall = imported(f"n{size}", bodies, extra)
                rows.append((f"{size:,} none-signals{code}", size, cpu, wall,
                             os.getloadavg()[0]))
    print(f"\n{args.rules:,} rules, SQLite, `qingfeng signal import FILE` (batches of 1,000), "
          f"{os.cpu_count()} cores\n")
    print("| file | CPU s | wall s | signals per CPU-s | signals/s (wall) | load (1 min) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, size, cpu, wall, load in rows:
        rate = f"{size / cpu:,.0f} | {size / wall:,.0f}" if size > 1 else "— | —"
        print(f"| {name} | {cpu:.3f} | {wall:.3f} | {rate} | {load:.1f} |")


if __name__ == "__main__":
    main()
