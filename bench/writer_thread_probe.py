"""Would a writer thread let SQLite's inserts overlap intake's Python work? (issue 13)

The dense import spends about a third of its time in SQLite's own inserts and a third
building rows in Python. sqlite3 releases the GIL while SQLite steps a statement, so a
thread inserting batch k while the main thread builds batch k+1 could in principle hide
one behind the other on two cores. This probe measures it on plain sqlite3: an
executemany of rows shaped like intake's (an indexed table in WAL mode, one transaction)
alone, a Python loop alone, then both at once (the insert on a thread).

Run: .venv/bin/python bench/writer_thread_probe.py [--rows 200000] [--rounds 3]
     [--python-factor 24]
"""

import argparse
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, a INT, b TEXT, c TEXT, "
                 "d INT, e TEXT, f REAL, g INT)")
    conn.execute("CREATE INDEX IF NOT EXISTS t_ab ON t (a, b)")
    conn.execute("CREATE INDEX IF NOT EXISTS t_e ON t (e, d)")
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python-factor", type=int, default=24,
                        help="tuples built per row inserted (24: about as long as the insert)")
    args = parser.parse_args()
    n = args.rows
    rows = [(i, i % 977, f"subject-{i % 5000}", "2026-12-02 09:00:00.000000", i,
             f"rule-{i % 2000}", 1.5, 0) for i in range(n)]

    def python_work() -> int:  # building tuples, as intake builds its rows
        out = [(i, str(i), i * 2) for i in range(n * args.python_factor)]
        return len(out)

    with tempfile.TemporaryDirectory(prefix="qf-writer-probe-") as tmp:
        conn = _connect(Path(tmp) / "probe.db")

        def insert() -> None:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
            conn.execute("DELETE FROM t")

        print(f"{n:,} rows, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        print("| round | insert alone s | Python alone s | their sum s | both at once s "
              "(insert on a thread) | load |")
        print("|---|---|---|---|---|---|")
        for number in range(1, args.rounds + 1):
            started = time.perf_counter()
            insert()
            alone = time.perf_counter() - started
            started = time.perf_counter()
            python_work()
            work = time.perf_counter() - started
            started = time.perf_counter()
            thread = threading.Thread(target=insert)
            thread.start()
            python_work()
            thread.join()
            both = time.perf_counter() - started
            print(f"| {number} | {alone:.2f} | {work:.2f} | {alone + work:.2f} | {both:.2f} | "
                  f"{os.getloadavg()[0]:.1f} |")
        conn.close()


if __name__ == "__main__":
    main()
