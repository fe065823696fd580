"""Ingest benchmark: N generated signals (20% matching) through R rules.

Measures, each phase in its own process so peak memory is its own:
  batch   the batch import path (Intake.ingest in batches, SQLite by default)
  api     POST /api/signals with 50 concurrent clients (wrk) against `qingfeng serve`
  raw-db  a bare sqlite3 insert of the same rows, committed per batch (the storage limit)
  raw-dr  durable-rules posting the same events through the same compiled rules (the
          engine limit), against our evaluator on the same facts
Run: .venv/bin/python bench/ingest_bench.py [--signals 100000] [--rules 500] [--db sqlite|pg]
"""

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.workload import (  # noqa: E402
    seed_database,
    signals,
    write_files,
)


def peak_mb() -> float:
    """Return this process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _runtime(url: str, root: Path):  # type: ignore[no-untyped-def]
    from warning.runtime import build_runtime
    from warning.settings import load_settings

    settings = load_settings(
        database_url=url, rules_dir=root / "rules", channels_dir=root / "channels"
    )
    rt = build_runtime(settings, load_rules=False)
    rt.sync_channels()
    problems = rt.rules.load()
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return rt


def phase_batch(args: argparse.Namespace, root: Path) -> dict[str, float]:
    from warning.services.signal_input import SignalIn

    rt = _runtime(args.url, root)
    bodies = json.loads((root / "signals.json").read_text(encoding="utf-8"))
    latencies = []
    warnings = 0
    start = time.perf_counter()
    for at in range(0, len(bodies), args.batch):
        t0 = time.perf_counter()
        items = [SignalIn.model_validate(b) for b in bodies[at : at + args.batch]]
        outcomes = rt.intake.ingest(items)
        latencies.append(time.perf_counter() - t0)
        warnings += sum(w.new for o in outcomes for w in o.warnings)
    elapsed = time.perf_counter() - start
    rt.close()
    return {
        "signals_per_s": len(bodies) / elapsed,
        "batch_p50_ms": percentile(latencies, 0.5) * 1e3,
        "batch_p99_ms": percentile(latencies, 0.99) * 1e3,
        "warnings": warnings,
        "peak_mb": peak_mb(),
        "seconds": elapsed,
    }


def phase_raw_db(args: argparse.Namespace, root: Path) -> dict[str, float]:
    bodies = json.loads((root / "signals.json").read_text(encoding="utf-8"))
    path = root / "raw.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE s (id INTEGER PRIMARY KEY, channel TEXT, external_id TEXT, "
        "title TEXT, text TEXT, department TEXT, person TEXT, amount TEXT, "
        "received_at TEXT, UNIQUE(channel, external_id))"
    )
    now = datetime.now(UTC).isoformat()
    start = time.perf_counter()
    for at in range(0, len(bodies), args.batch):
        conn.executemany(
            "INSERT INTO s (channel, external_id, title, text, department, person, amount, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    b["channel"],
                    b["external_id"],
                    b["title"],
                    b["text"],
                    b["department"],
                    b["person"],
                    b["amount"],
                    now,
                )
                for b in bodies[at : at + args.batch]
            ],
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return {"signals_per_s": len(bodies) / elapsed, "peak_mb": peak_mb()}


def phase_raw_durable(args: argparse.Namespace, root: Path) -> dict[str, float]:
    from warning.rules.bench_support import raw_durable_comparison

    return raw_durable_comparison(root / "rules", root / "signals.json") | {"peak_mb": peak_mb()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def phase_api(args: argparse.Namespace, root: Path) -> dict[str, float]:
    from bench.workload import keyword

    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    token = _office_token(args.url)
    port = free_port()
    env = os.environ | {
        "QINGFENG_DATABASE_URL": args.url,
        "QINGFENG_RULES_DIR": str(root / "rules"),
        "QINGFENG_CHANNELS_DIR": str(root / "channels"),
    }
    command = [sys.executable, "-m", "warning.cli.main", "serve", "--no-scheduler",
               "--port", str(port), "--workers", str(args.server_workers)]
    if args.profile_server:  # py-spy (pip install py-spy) samples the server, all threads
        spy = str(Path(sys.executable).with_name("py-spy"))
        command = [spy, "record", "--format", "raw", "--threads", "--nonblocking",
                   "-o", args.profile_server, "--", *command]
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, server, listeners=args.server_workers)
        per_thread = args.signals // 2
        keywords = [keyword(i) for i in range(0, args.rules, max(1, args.rules // 50))]
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c50",
                f"-d{args.api_seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(HERE / "post_signals.lua"),
                "-H",
                f"Authorization: Bearer {token}",
                f"http://127.0.0.1:{port}/",
                "--",
                str(per_thread),
                *keywords,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()
        requests, duration_us, p50, p99, errors, max_us = map(int, fields[1:])
        rss = _rss_mb(server.pid)
    finally:
        if args.profile_server:
            server.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
        else:
            server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    statuses = _statuses(args.url)
    return {
        "signals_per_s": requests / (duration_us / 1e6),
        "stored": sum(statuses.values()),
        "evaluated": statuses.get("evaluated", 0),
        "failed_evaluation": statuses.get("failed", 0),
        "p50_ms": p50 / 1e3,
        "p99_ms": p99 / 1e3,
        "max_ms": max_us / 1e3,
        "errors": errors,
        "requests": requests,
        "server_peak_mb": rss,
    }


def _office_token(url: str) -> str:
    """Create an office user on the bench database and return an API token."""
    from warning.auth.users import add_user, issue_token
    from warning.db.engine import make_engine, make_sessionmaker

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="bench", role="office"))
    engine.dispose()
    return token


def _statuses(url: str) -> dict[str, int]:
    """Count the stored signals by status: every one must be evaluated, none failed."""
    from sqlalchemy import text

    from warning.db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM signals GROUP BY status")).all()
    engine.dispose()
    return {status: count for status, count in rows}


def _rss_mb(pid: int) -> float:
    """Return the peak resident memory of a process and its descendants (workers), in MB."""
    total = 0.0
    for one in _family(pid):
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def family(pid: int) -> list[int]:
    """Return a process and its descendants (uvicorn's worker processes)."""
    return _family(pid)


def _family(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += _family(int(child))
    return found


def _wait_for(port: int, server: subprocess.Popen[bytes], listeners: int = 1) -> None:
    """Wait until the server answers and `listeners` sockets listen on `port`.

    `serve --workers N` binds one SO_REUSEPORT socket per worker: a load generator that
    connected when only the first was up kept all its connections on that one worker.
    """
    import urllib.request

    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(server.stderr.read().decode() if server.stderr else "server died")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if listening_sockets(port) >= listeners:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def listening_sockets(port: int) -> int:
    """Count the TCP sockets listening on `port` (Linux: /proc/net/tcp and tcp6)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


PHASES = {
    "batch": phase_batch,
    "api": phase_api,
    "raw-db": phase_raw_db,
    "raw-dr": phase_raw_durable,
}


def prepare(args: argparse.Namespace, root: Path) -> None:
    work = write_files(root, args.rules)
    bodies = signals(args.signals, work.keywords, match_share=0.2)
    (root / "signals.json").write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")


def fresh_db(args: argparse.Namespace, root: Path, name: str) -> str:
    """Return a seeded database URL for one phase."""
    if args.db == "sqlite":
        url = f"sqlite:///{root / (name + '.db')}"
    else:
        from sqlalchemy import text

        from warning.db.engine import make_engine

        admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        db = f"qf_bench_{name.replace('-', '_')}_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        admin.dispose()
        url = args.pg_url.rsplit("/", 1)[0] + "/" + db
    seed_database(url, args.rules)
    return url


def drop_db(args: argparse.Namespace, url: str) -> None:
    """Drop a phase's scratch PostgreSQL database."""
    from sqlalchemy import text

    from warning.db.engine import make_engine

    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--phases", default="raw-db,raw-dr,batch,api")
    parser.add_argument("--api-seconds", type=int, default=60,
                        help="how long wrk posts signals (the API phase is timed, not counted)")
    parser.add_argument("--server-workers", type=int, default=2,
                        help="HTTP worker processes of the API phase's `qingfeng serve`")
    parser.add_argument("--profile-server", default="",
                        help="write a py-spy profile of the API phase's server to this file")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args, Path(args.root))))
        return
    root = Path(tempfile.mkdtemp(prefix="qf-bench-"))
    prepare(args, root)
    results: dict[str, dict[str, float]] = {}
    for phase in args.phases.split(","):
        url = fresh_db(args, root, phase) if phase in ("batch", "api") else ""
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase",
                phase,
                "--root",
                str(root),
                "--url",
                url,
                "--signals",
                str(args.signals),
                "--rules",
                str(args.rules),
                "--batch",
                str(args.batch),
                "--api-seconds",
                str(args.api_seconds),
                "--profile-server",
                args.profile_server,
                "--server-workers",
                str(args.server_workers),
            ],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            print(f"phase {phase} failed:\n{out.stderr[-3000:]}")
            continue
        results[phase] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{phase:7s} {json.dumps(results[phase], ensure_ascii=False)}", flush=True)
        if url.startswith("postgresql"):
            drop_db(args, url)
    report(args, results)
    shutil.rmtree(root, ignore_errors=True)


def report(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    """Print the figures with the ratios to the raw limits measured in this run."""
    lines = [
        f"ingest: {args.signals} signals, {args.rules} rules, db={args.db}, "
        f"{os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    ]
    raw_db = results.get("raw-db", {}).get("signals_per_s")
    for phase in ("batch", "api"):
        if phase in results and raw_db:
            r = results[phase]
            lines.append(
                f"{phase}: {r['signals_per_s']:.0f} signals/s = "
                f"{r['signals_per_s'] / raw_db:.1%} of a bare sqlite3 insert "
                f"({raw_db:.0f}/s)"
            )
    if "raw-dr" in results:
        r = results["raw-dr"]
        lines.append(
            f"rule evaluation: ours {r['ours_per_s']:.0f} signals/s vs raw durable-rules "
            f"{r['raw_per_s']:.0f}/s (x{r['ours_per_s'] / r['raw_per_s']:.1f})"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
