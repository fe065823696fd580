"""Peak memory of `qingfeng signal import` on a large .jsonl (default 100 MB).

Each measure runs in its own child process; its peak RSS is the child's getrusage
(os.wait4), so figures are the child's own:
  baseline   python importing the CLI and doing nothing (the floor of any import)
  read-lines reading the file line by line (the raw limit of a streaming import)
  read-whole reading the whole file into memory (what an import that loads it costs)
  import     `qingfeng signal import FILE`: check, store in one transaction, evaluate
Target: import < 300 MB whatever the file size.
The parent stays small (standard library only; the file and database are prepared in a
child): on Linux a child's ru_maxrss counts the memory of the process it was forked from.
Run: .venv/bin/python bench/import_memory_bench.py [--mb 100] [--rules 50] [--db URL]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def prepare(root: Path, url: str, megabytes: int, n_rules: int) -> None:
    """Write rules, channels and the signal file; seed the database (run in a child)."""
    from bench.workload import seed_database, write_files

    workload = write_files(root, n_rules)
    seed_database(url, n_rules)
    rows = write_file(root / "signals.jsonl", megabytes, workload.keywords)
    (root / "rows").write_text(str(rows))


def write_file(path: Path, megabytes: int, keywords: list[str]) -> int:
    """Write signal rows until the file reaches `megabytes`; return the row count."""
    from bench.workload import CHANNELS, DEPARTMENTS, FILLER, person

    rng = random.Random(11)
    target = megabytes * 1_000_000
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        while handle.tell() < target:
            start = rng.randrange(len(FILLER) - 60)
            text = (FILLER[start:] + FILLER + FILLER)[:480]
            if rng.random() < 0.05:
                text += keywords[rng.randrange(len(keywords))]
            handle.write(json.dumps({
                "channel": CHANNELS[rows % len(CHANNELS)], "external_id": f"M-{rows}",
                "title": f"关于{rng.choice(DEPARTMENTS)[1]}有关情况的反映{rows}", "text": text,
                "department": rng.choice(DEPARTMENTS)[0], "person": person(rng),
                "amount": f"{rng.randrange(100, 200000)}.{rng.randrange(100):02d}",
            }, ensure_ascii=False) + "\n")
            rows += 1
    return rows


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run a child; return (seconds, peak RSS in MB, exit code)."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    out = child.stdout.read().decode() if child.stdout else ""
    err = child.stderr.read().decode() if child.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(out[-2000:], err[-2000:], file=sys.stderr)
    elif out.strip():
        print("   ", out.strip().splitlines()[-1])
    return seconds, usage.ru_maxrss / 1024, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--db", default="", help="database URL (default: a new SQLite file)")
    parser.add_argument("--prepare", default="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.prepare:
        prepare(Path(options.prepare), options.db, options.mb, options.rules)
        return
    root = Path(tempfile.mkdtemp(prefix="qf-import-bench-"))
    url = options.db or f"sqlite:///{root / 'bench.db'}"
    subprocess.run([sys.executable, __file__, "--prepare", str(root), "--db", url,
                    "--mb", str(options.mb), "--rules", str(options.rules)], check=True)
    path = root / "signals.jsonl"
    rows = int((root / "rows").read_text())
    size = path.stat().st_size / 1e6
    env = os.environ | {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(root / "rules"),
                        "QINGFENG_CHANNELS_DIR": str(root / "channels")}
    py = sys.executable
    sync = ("from warning.cli.common import runtime\n"
            "with runtime() as rt: rt.sync_channels()")
    assert run_child([py, "-c", sync], env)[2] == 0
    print(f"file: {size:.1f} MB, {rows} rows, {options.rules} rules, {url.split(':')[0]}")
    measures = {
        "baseline": [py, "-c", "import warning.cli.main"],
        "read-lines": [py, "-c", f"for line in open({str(path)!r}, 'rb'): pass"],
        "read-whole": [py, "-c", f"data = open({str(path)!r}, 'rb').read()"],
        "import": [py, "-m", "warning.cli.main", "signal", "import", str(path)],
    }
    for name, args in measures.items():
        seconds, peak, code = run_child(args, env)
        print(f"{name:11} {seconds:7.1f} s  peak RSS {peak:7.1f} MB  exit {code}")
    print(f"parent (the floor of every child's figure): {resource_mb():.1f} MB")


def resource_mb() -> float:
    """Return this process's own peak RSS in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
