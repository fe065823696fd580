"""One `qingfeng serve` against two on one PostgreSQL database, in the same run.

One scratch database (seeded like bench/transitions_bench.py: eight departments, their
handlers, an office user with API tokens, issued warnings). For 1 instance, then for 2
(real processes on loopback ports, each `serve --workers W`, the scheduler on: one of
them holds the lease), wrk makes the load, one wrk process per instance sharing
--clients connections:
  healthz      GET /healthz: near the HTTP stack's limit (a trivial route: one count query)
  ingest       POST /api/signals (bench/post_signals.lua, 20% matching a rule)
  transitions  receive -> assign -> report -> accept through /api/warnings/{id}/actions
               (bench/act_on_warnings.lua, closed loop, fresh warnings for each config)
Beside each: the servers' CPU, and the database side from pg_stat_database (commits,
rows inserted and updated a second) and the CPU of the database's backends.
Raw limit in the same run: pgbench, --clients connections inserting one signal-shaped
row per transaction into a table LIKE signals INCLUDING ALL (PostgreSQL's own rate).
The load is on the same 2-core machine as the servers and the database.
Run: .venv/bin/python bench/instances_bench.py [--seconds 15] [--clients 50] [--workers 1]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.ingest_bench import free_port  # noqa: E402
from bench.transitions_bench import cpu_seconds, server  # noqa: E402
from bench.transitions_world import (  # noqa: E402
    World,
    check_world,
    scratch_database,
    seed_world,
)
from bench.workload import keyword, write_files  # noqa: E402

PGBENCH_SQL = (
    "INSERT INTO raw_signals (channel_id, external_id, title, text, person, post, "
    "received_at, status, attempts, last_error, lease_owner, extra) VALUES "
    "(1, 'P' || :client_id || '-' || nextval('raw_seq'), '关于有关情况的反映', "
    "repeat('根据年度工作安排，本单位认真落实党风廉政建设主体责任，', 16), '王伟', '', now(), "
    "'received', 0, '', '', '{}');\n"
)


def wrk(port: int, script: str, clients: int, seconds: int, options: list[str],
        script_args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start one wrk process against `port` (no script: GET /healthz)."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", *options]
    if script:
        command += ["-s", str(HERE / script), f"http://127.0.0.1:{port}/", "--", *script_args]
    else:
        command += ["--latency", f"http://127.0.0.1:{port}/healthz"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | (env or {}))


def finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    """Wait for wrk processes; return their stdout."""
    outs = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"wrk failed:\n{out}\n{err}")
        outs.append(out)
    return outs


def latency_ms(text: str, label: str) -> float:
    """Read a latency like '12.34ms' from wrk's default report line `label`."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            value = line.split()[1]
            for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
                if value.endswith(unit):
                    return float(value[: -len(unit)]) * scale
    return float("nan")


class DbSide:
    """PostgreSQL's view of one database: commits, rows written, backends' CPU."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.name = url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                                    autocommit=True)

    def sample(self) -> tuple[float, tuple[int, ...], dict[int, float]]:
        stats = self.conn.execute(
            "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database "
            "WHERE datname = %s", (self.name,)).fetchone()
        pids = [p for (p,) in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,))]
        return time.perf_counter(), tuple(stats or (0, 0, 0)), {p: sum(cpu_seconds(p))
                                                                  for p in pids}

    def since(self, before: tuple[float, tuple[int, ...], dict[int, float]]) -> dict[str, float]:
        time.sleep(0.6)  # pg_stat_database is flushed by backends at most every 0.5 s
        at, stats, cpu = self.sample()
        elapsed = at - before[0]
        used = sum(c - before[2].get(p, 0.0) for p, c in cpu.items())
        commits, inserted, updated = (b - a for a, b in zip(before[1], stats, strict=True))
        return {"db_commits_per_s": commits / elapsed, "db_inserted_per_s": inserted / elapsed,
                "db_updated_per_s": updated / elapsed, "db_backend_cpu": used / elapsed}


def run_config(at: int, n: int, args: argparse.Namespace, url: str, root: Path, world: World,
               warnings: list[Any]) -> dict[str, dict[str, float]]:
    """Start `n` instances and drive healthz, ingest and transitions through them."""
    env = {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(root / "rules"),
           "QINGFENG_CHANNELS_DIR": str(root / "channels"),
           "QINGFENG_ATTACHMENTS_DIR": str(root / "attachments")}
    ports = [free_port() for _ in range(n)]
    share = args.clients // n
    db = DbSide(url)
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        pids = [stack.enter_context(server(
            [sys.executable, "-m", "warning.cli.main", "serve", "--port", str(port),
             "--workers", str(args.workers)], env, port, root / f"serve-{at}-{i}.log",
            listeners=args.workers)).pid for i, port in enumerate(ports)]

        def measure(name: str, start: list[subprocess.Popen[str]]) -> list[str]:
            cpu0, db0 = [sum(cpu_seconds(p)) for p in pids], db.sample()
            outs = finish(start)
            figures = db.since(db0)
            cpu = sum(sum(cpu_seconds(p)) - c for p, c in zip(pids, cpu0, strict=True))
            results[name] = figures | {"server_cpu": cpu / (time.perf_counter() - db0[0])}
            return outs

        outs = measure("healthz", [wrk(p, "", share, args.seconds // 3, [], []) for p in ports])
        results["healthz"] |= {
            "per_s": sum(float(next(x.split()[1] for x in o.splitlines()
                                    if x.startswith("Requests/sec"))) for o in outs),
            "p50_ms": max(latency_ms(o, "50%") for o in outs),
            "p99_ms": max(latency_ms(o, "99%") for o in outs)}
        words = [keyword(0)]
        outs = measure("ingest", [
            wrk(p, "post_signals.lua", share, args.seconds,
                ["-H", f"Authorization: Bearer {world.office_token}"], ["100000000", *words],
                env={"QF_PREFIX": f"{at}i{i}x"}) for i, p in enumerate(ports)])
        rows = [list(map(int, next(x for x in o.splitlines() if x.startswith("RESULT"))
                         .split()[1:])) for o in outs]
        results["ingest"] |= {"per_s": sum(r[0] / (r[1] / 1e6) for r in rows),
                              "p50_ms": max(r[2] for r in rows) / 1e3,
                              "p99_ms": max(r[3] for r in rows) / 1e3,
                              "errors": sum(r[4] for r in rows)}
        parts = [warnings[i::n] for i in range(n)]
        files = []
        for i, part in enumerate(parts):
            data = root / f"warnings-{at}-{i}.txt"
            data.write_text("".join(f"{o.warning_id} {o.version} {o.handler}\n" for o in part))
            files.append(data)
        outs = measure("transitions", [
            wrk(p, "act_on_warnings.lua", share, args.seconds,
                [], [str(files[i]), str(root / f"seen-{at}-{i}.txt"), "1", world.office_token,
                 *world.handler_tokens]) for i, p in enumerate(ports)])
        rows = [list(map(int, next(x for x in o.splitlines() if x.startswith("RESULT"))
                         .split()[1:])) for o in outs]
        results["transitions"] |= {"per_s": sum(r[6] / (r[1] / 1e6) for r in rows),
                                   "p50_ms": max(r[2] for r in rows) / 1e3,
                                   "p99_ms": max(r[3] for r in rows) / 1e3,
                                   "errors": sum(r[5] + r[7] for r in rows),
                                   "idle": sum(r[8] for r in rows)}
    db.conn.close()
    return results


def repeated_actions(url: str, seeded: int) -> dict[str, int]:
    """Count, by action, the seeded records (ids 1..seeded) with an action stored twice."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return dict(conn.execute(
            "SELECT action, count(*) FROM (SELECT record_id, action FROM handling_events "
            "WHERE record_id <= %s GROUP BY record_id, action HAVING count(*) > 1) r "
            "GROUP BY action", (seeded,)).fetchall())


def pgbench(url: str, args: argparse.Namespace, root: Path) -> dict[str, float]:
    """PostgreSQL's own rate: one signal-shaped row a transaction from --clients clients."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE raw_signals (LIKE signals INCLUDING ALL)")
        conn.execute("CREATE SEQUENCE raw_seq")
    script = root / "insert.sql"
    script.write_text(PGBENCH_SQL, encoding="utf-8")
    db = DbSide(url)
    before = db.sample()
    out = subprocess.run(["pgbench", "-n", "-c", str(args.clients), "-j", "2", "-T",
                          str(args.seconds), "-f", str(script), "-d", dsn],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{out.stderr}")
    figures = db.since(before)
    db.conn.close()
    tps = next(float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
               if line.startswith("tps"))
    lat = next(float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
               if line.startswith("latency average"))
    return figures | {"per_s": tps, "mean_ms": lat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers` per instance")
    parser.add_argument("--warnings", type=int, default=8000, help="issued warnings per config")
    parser.add_argument("--configs", default="1,2", help="instance counts to run, in order")
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (apt-get install wrk / postgresql-client)")
    root = Path(tempfile.mkdtemp(prefix="qf-instances-"))
    configs = [int(c) for c in args.configs.split(",")]
    try:
        write_files(root, 1)
        with scratch_database(args.database_url, root, "instances") as url:
            world = seed_world(url, root / "channels", args.warnings * len(configs))
            results = {}
            for at, n in enumerate(configs):
                part = world.warnings[at * args.warnings : (at + 1) * args.warnings]
                results[(at, n)] = run_config(at, n, args, url, root, world, part)
                print(f"{n} instance(s): {results[(at, n)]}", flush=True)
            seen = {}
            for path in root.glob("seen-*.txt"):
                for line in path.read_text().splitlines():
                    wid, steps, pending = map(int, line.split())
                    seen[wid] = (steps, pending == 1)
            check = check_world(url, world, seen)
            repeated = repeated_actions(url, len(world.warnings))
            ok = not (check.lost or check.duplicated or check.version_mismatch
                      or check.broken_chains or repeated)
            raw = pgbench(url, args, root)
            print(f"pgbench: {raw}", flush=True)
        report(args, results, raw)
        print(f"transitions check over all configs: {check.acknowledged} 2xx answers, "
              f"{check.new_events} events stored; lost {len(check.lost)}, duplicated "
              f"{len(check.duplicated)}, version/state mismatches "
              f"{len(check.version_mismatch)}, broken chains {check.broken_chains}, repeated "
              f"actions on one seeded record {repeated or 'none'} -> {'OK' if ok else 'FAILED'} "
              "(the ingest's own warnings are regraded as more signals hit them)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(args: argparse.Namespace, results: dict[tuple[int, int], dict[str, dict[str, float]]],
           raw: dict[str, float]) -> None:
    """Print a table: each config and route, with the database side beside it."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ninstances: {args.clients} clients, {args.seconds} s a route, `serve --workers "
          f"{args.workers}` each, PostgreSQL on the same machine; {os.cpu_count()} cores shared "
          f"with other work (load average {load}); {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print("| instances | route | per s | p50 ms | p99 ms | errors | servers' CPU (cores) | "
          "DB commits/s | DB rows ins./upd. per s | DB backends' CPU (cores) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (_, n), routes in results.items():
        for route, r in routes.items():
            print(f"| {n} | {route} | {r['per_s']:,.0f} | {r['p50_ms']:.0f} | "
                  f"{r['p99_ms']:.0f} | {r.get('errors', 0):.0f} | {r['server_cpu']:.2f} | "
                  f"{r['db_commits_per_s']:,.0f} | {r['db_inserted_per_s']:,.0f} / "
                  f"{r['db_updated_per_s']:,.0f} | {r['db_backend_cpu']:.2f} |")
    print(f"| raw | pgbench insert, one row a transaction | {raw['per_s']:,.0f} | "
          f"mean {raw['mean_ms']:.0f} | | | | {raw['db_commits_per_s']:,.0f} | "
          f"{raw['db_inserted_per_s']:,.0f} / {raw['db_updated_per_s']:,.0f} | "
          "n/a (pgbench's backends live only during the run) |")


if __name__ == "__main__":
    main()
