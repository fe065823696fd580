"""Finishing an interrupted `qingfeng signal import`: the re-run's rate beside a whole import.

An import killed (SIGKILL) after it stored its rows but before it evaluated them all is
run again with the same file: it stores nothing again and evaluates what was left
(warning.services.signal_import). An outside test measured 35–60 rows/s for that re-run
on a loaded machine. This runs, on SQLite with the demo-sized rule set (bench/workload.py,
32 rules, a share of signals matching), for each kill point:
- the whole import of the file into a fresh copy of the seeded database (the raw limit:
  the same command, nothing interrupted);
- the same import killed after `--kill` seconds, then re-run: the rows left unevaluated,
  the re-run's wall and CPU time, and its rate on the rows it evaluated.
On PostgreSQL a killed import stores nothing (one transaction), so its re-run is the whole
import again; SQLite is the case measured.
Run: .venv/bin/python bench/import_resume_bench.py [--signals 50000] [--kill 3,5,7]
"""

import argparse
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.workload import seed_database, signals, write_files, write_jsonl  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _evaluated(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(
            "SELECT count(*) FROM signals WHERE status = 'evaluated'").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=50_000)
    parser.add_argument("--kill", default="3,5,7", type=lambda s: [float(x) for x in s.split(",")])
    parser.add_argument("--match-share", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qf-import-resume-") as tmp:
        root = Path(tmp)
        work = write_files(root, 32, points=8)
        seeded = root / "seeded.db"
        seed_database(f"sqlite:///{seeded}", 8)
        path = root / "signals.jsonl"
        write_jsonl(path, signals(args.signals, work.keywords, args.match_share))
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "QINGFENG_RULES_DIR": str(root / "rules"),
               "QINGFENG_CHANNELS_DIR": str(root / "channels"),
               "QINGFENG_DATA_DIR": str(root / "data"), "PYTHONPATH": str(HERE.parent)}
        argv = [sys.executable, "-m", "warning.cli.main", "signal", "import", str(path)]

        def run(db: Path, kill: float | None) -> tuple[float, float]:
            cpu, start = _children_cpu(), time.perf_counter()
            child = subprocess.Popen(argv, env=env | {"QINGFENG_DATABASE_URL": f"sqlite:///{db}"},
                                     cwd=tmp, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
            if kill is not None:
                time.sleep(kill)
                os.killpg(child.pid, signal.SIGKILL)
            _, error = child.communicate()
            if kill is None and child.returncode != 0:
                raise SystemExit(f"import exited {child.returncode}: {error.decode()[-2000:]}")
            return _children_cpu() - cpu, time.perf_counter() - start

        rows: list[str] = []
        whole = root / "whole.db"
        shutil.copy(seeded, whole)
        cpu, wall = run(whole, None)
        rows.append(f"| whole import (raw limit) | — | {args.signals:,} | {wall:.1f} | {cpu:.1f} "
                    f"| {args.signals / wall:,.0f} | {os.getloadavg()[0]:.1f} |")
        for kill in args.kill:
            db = root / f"killed-{kill}.db"
            shutil.copy(seeded, db)
            run(db, kill)
            before = _evaluated(db)
            left = args.signals - before
            cpu, wall = run(db, None)
            assert _evaluated(db) == args.signals, "the re-run left signals unevaluated"
            rate = f"{left / wall:,.0f}" if left else "—"
            rows.append(f"| killed after {kill:g} s, re-run | {before:,} "
                        f"| {left:,} | {wall:.1f} | {cpu:.1f} | {rate} "
                        f"| {os.getloadavg()[0]:.1f} |")
    print(f"\n{args.signals:,} signals, 32 rules, SQLite, {os.cpu_count()} cores\n")
    print("| run | evaluated before | evaluated by the run | wall s | CPU s "
          "| evaluated/s (wall) | load |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
