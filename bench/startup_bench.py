"""Command start-up: `qingfeng --version`, `--help` and `rules check` of the demo rules.

Each command runs N times as a subprocess, interleaved with `python -c pass` (the raw
limit: the interpreter alone) so the load falls on every row alike; prints the median CPU
(user + sys of the process and any children it waited for) and wall time, with the load.
With --base DIR (an export of an earlier commit, e.g. `git archive 9f18380 | tar -x -C DIR`)
each qingfeng command also runs with that code first on PYTHONPATH, interleaved.
Run: .venv/bin/python bench/startup_bench.py [--runs 15] [--base DIR]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QINGFENG = [sys.executable, "-m", "warning.cli.main"]
COMMANDS = {
    "`python -c pass` (raw limit)": [sys.executable, "-c", "pass"],
    "`python -c 'import click'`": [sys.executable, "-c", "import click"],
    "`qingfeng --version`": [*QINGFENG, "--version"],
    "`qingfeng --help`": [*QINGFENG, "--help"],
    "`qingfeng rules check` (demo, 32 rules)": [*QINGFENG, "rules", "check"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one command; return (CPU s, wall s)."""
    cpu, start = _children_cpu(), time.perf_counter()
    # not run from the checkout: `-m` puts the working directory first on sys.path
    done = subprocess.run(argv, env=env, cwd=env["HOME"], capture_output=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv} exited {done.returncode}: {done.stderr.decode()[-1000:]}")
    return _children_cpu() - cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--base", type=Path, default=None, help="earlier code to compare")
    args = parser.parse_args()
    commands = {name: (argv, {"PYTHONPATH": str(ROOT)}) for name, argv in COMMANDS.items()}
    if args.base is not None:
        for name, argv in COMMANDS.items():
            if argv[:3] == QINGFENG:
                commands[f"{name}, base"] = (argv, {"PYTHONPATH": str(args.base.resolve())})
    with tempfile.TemporaryDirectory(prefix="qf-startup-") as tmp:
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "QINGFENG_DATABASE_URL": f"sqlite:///{tmp}/none.db",
               "QINGFENG_RULES_DIR": str(ROOT / "rules"),
               "QINGFENG_CHANNELS_DIR": str(ROOT / "channels")}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        loads = []
        for _ in range(args.runs):
            for name, (argv, extra) in commands.items():
                times[name].append(run_once(argv, env | extra))
            loads.append(os.getloadavg()[0])
    print(f"median of {args.runs} runs, interleaved; load average (1 min) "
          f"{min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores\n")
    print("| command | CPU s (user+sys) | wall s | wall s, best |")
    print("| --- | --- | --- | --- |")
    for name, runs in times.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"| {name} | {cpu:.3f} | {wall:.3f} | {min(w for _, w in runs):.3f} |")


if __name__ == "__main__":
    main()
