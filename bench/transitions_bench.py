"""Handling-transitions benchmark: 50 clients taking actions, then 50 clients racing.

Phases, each on a fresh database (SQLite files by default; with --database-url a PostgreSQL
server, on which scratch databases are created and dropped):
  api       `qingfeng serve` in its own process. wrk, 50 connections, walks N issued warnings
            through receive -> assign -> report (handler) -> accept (office), every request
            carrying the version the previous answer returned (bench/act_on_warnings.lua);
            each wrk thread owns its warnings, at most one request per warning in flight.
            Then contention: for M more warnings, 50 clients (httpx) send the same action at
            the same version at once, four times over; exactly one must win, the rest get 409.
            Then the database is checked against the answers (bench/transitions_world.py).
  raw-http  the same wrk script against a bare FastAPI route doing only the SQL of a
            transition on a DB-API connection (bench/raw_transitions.py): HTTP + storage
  service   token lookup + records.act + commit in this process, one thread, no HTTP
  raw-db    the raw-http SQL on one DB-API connection in a loop: the storage limit
wrk, not a Python client, makes the load: on a 2-core box a Python load generator would take
a core from the server (which is itself Python); wrk in C needs a fraction of one.
--py-spy FILE samples the API server during the wrk run (py-spy --gil, raw stacks; pip
install py-spy into the venv). The load average is printed: other work on the box moves
the figures.
Run: .venv/bin/python bench/transitions_bench.py [--warnings 6000] [--seconds 20]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--py-spy FILE]
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.ingest_bench import (  # noqa: E402
    _rss_mb,
    _wait_for,
    family,
    free_port,
    percentile,
)
from bench.raw_transitions import walk  # noqa: E402
from bench.transitions_world import (  # noqa: E402
    Opened,
    World,
    check_world,
    scratch_database,
    seed_world,
)
from bench.workload import write_files  # noqa: E402

STEPS = (("receive", {}), ("assign", {"responsible_person": "王伟"}),
         ("report", {"comment": "已完成自查自纠，整改到位。"}),
         ("accept", {"comment": "同意办结。"}))
Seen = dict[int, tuple[int, bool]]


def token_for(world: World, opened: Opened, action: str) -> str:
    """Return the token of who takes `action`: the office accepts, the handler does the rest."""
    return world.office_token if action == "accept" else world.handler_tokens[opened.handler]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """Return the user and the system CPU time a process and its workers have used."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for one in family(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / tick
        system += int(fields[12]) / tick
    return user, system


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path,
           listeners: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process on loopback until the block ends; its stderr goes to `log`."""
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, env=os.environ | env, cwd=HERE.parent,
                                stdout=subprocess.DEVNULL, stderr=sink)
    try:
        _wait_for(port, proc, listeners)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors = "\n".join(line for line in log.read_text(errors="replace").splitlines()
                           if " INFO " not in line)
        if errors:
            print(f"--- {log.name} (last lines)\n{errors[-2000:]}", file=sys.stderr)


def drive(port: int, world: World, opened: list[Opened], root: Path, name: str,
          args: argparse.Namespace, pid: int, pace: int = 0) -> tuple[dict[str, float], Seen]:
    """Run wrk over `opened` for --seconds; return its figures and what each warning saw.

    `pace`: 0 for a closed loop (each client sends its next request when the last is
    answered), else the transitions/s to offer, with latencies from each intended start.
    """
    data, out = root / f"{name}-warnings.txt", root / f"{name}-seen.txt"
    data.write_text("".join(f"{o.warning_id} {o.version} {o.handler}\n" for o in opened))
    spy = None
    if args.py_spy and name == "api":
        spy_bin = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        spy = subprocess.Popen([spy_bin, "record", "--pid", str(pid), "--format", "raw",
                                "--duration", str(args.seconds), "--output", args.py_spy,
                                "--nonblocking", "--gil"], stdout=subprocess.DEVNULL)
    cpu = cpu_seconds(pid)
    out_text = subprocess.run(
        ["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--timeout", "10s",
         "-s", str(HERE / "act_on_warnings.lua"), f"http://127.0.0.1:{port}/", "--",
         str(data), str(out), "2", world.office_token, *world.handler_tokens],
        capture_output=True, text=True, env=os.environ | {"QF_RATE": str(pace)},
    )
    if out_text.returncode != 0:
        raise SystemExit(f"wrk failed:\n{out_text.stdout}\n{out_text.stderr}")
    user, system = (after - before for after, before in zip(cpu_seconds(pid), cpu, strict=True))
    if spy is not None:
        spy.wait()
    fields = next(line for line in out_text.stdout.splitlines() if line.startswith("RESULT"))
    requests, duration, p50, p99, top, socket_errors, ok, bad, idle = map(int, fields.split()[1:])
    if out_text.stderr.strip():
        print(out_text.stderr.strip()[:1500], file=sys.stderr)
    seen: Seen = {}
    for line in out.read_text().splitlines():
        wid, steps, pending = map(int, line.split())
        seen[wid] = (steps, pending == 1)
    if pace:  # wrk's own latencies run from the send: take those from the intended starts
        paced = [float(x) / 1e3 for x in Path(f"{out}.lat").read_text().split()]
        p50, p99, top = (int(v * 1e6) for v in (percentile(paced, 0.5), percentile(paced, 0.99),
                                                  max(paced)))
    return {"transitions_per_s": ok / (duration / 1e6), "p50_ms": p50 / 1e3,
            "p99_ms": p99 / 1e3, "max_ms": top / 1e3, "transitions": ok, "requests": requests,
            "http_errors": bad, "socket_errors": socket_errors, "idle": idle,
            "server_cpu": (user + system) / (duration / 1e6),
            "server_sys": system / (duration / 1e6), "server_peak_mb": _rss_mb(pid)}, seen


async def race(
    port: int, world: World, opened: list[Opened], clients: int
) -> tuple[dict[str, Any], Seen]:
    """Have `clients` clients send each step of each warning at once; count the winners."""
    import httpx

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    races = exact = 0
    seen: Seen = {}
    # Drop idle connections before uvicorn's 5 s keep-alive does, or a request sent just as
    # the server closes one fails with ReadError.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=120) as client:

        async def post(path: str, token: str, body: dict[str, Any]) -> httpx.Response | None:
            started = time.perf_counter()
            try:
                answer = await client.post(path, json=body,
                                           headers={"Authorization": f"Bearer {token}"})
            except httpx.TransportError as error:  # counted; the check allows it one event
                failures.append(f"{type(error).__name__}: {error}")
                return None
            latencies.append(time.perf_counter() - started)
            return answer

        for o in opened:
            version, wins, unanswered = o.version, 0, False
            for action, extra in STEPS:
                token = token_for(world, o, action)
                body = {"action": action, "version": version, **extra}
                path = f"/api/warnings/{o.warning_id}/actions"
                sent = await asyncio.gather(*(post(path, token, body) for _ in range(clients)))
                answers = [a for a in sent if a is not None]
                unanswered = unanswered or len(answers) < len(sent)
                races += 1
                statuses.update(a.status_code for a in answers)
                winners = [a for a in answers if a.status_code == 200]
                refused = [a for a in answers if a.status_code != 200]
                told_state = all(a.status_code == 409 and "state" in a.json()["error"]
                                 for a in refused)
                exact += len(winners) == 1 and told_state and len(answers) == len(sent)
                wins += len(winners)
                if not winners:
                    break
                version = winners[0].json()["version"]
            seen[o.warning_id] = (wins, unanswered)
    return {"races": races, "exactly_one_winner": exact, "statuses": dict(statuses),
            "transport_errors": len(failures), "first_error": failures[:1],
            "p50_ms": percentile(latencies, 0.5) * 1e3,
            "p99_ms": percentile(latencies, 0.99) * 1e3}, seen


def settle(url: str) -> None:
    """Wait until the server has finished the requests wrk left in flight."""
    from sqlalchemy import func, select

    from warning.db.engine import make_engine
    from warning.db.models import HandlingEvent

    engine = make_engine(url)
    last = -1
    for _ in range(60):
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(HandlingEvent))
        if count == last:
            break
        last = count
        time.sleep(0.5)
    engine.dispose()


def phase_api(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    with scratch_database(args.database_url, root, "api") as url:
        n_paced = args.rate * args.seconds // 4 * 3 // 2 + 50  # 4 steps each, and spare
        world = seed_world(url, root / "channels", args.warnings + n_paced + args.raced)
        steady, rest = world.warnings[: args.warnings], world.warnings[args.warnings :]
        paced, raced = rest[:n_paced], rest[n_paced:]
        port = free_port()
        env = {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(root / "rules"),
               "QINGFENG_CHANNELS_DIR": str(root / "channels"),
               "QINGFENG_ATTACHMENTS_DIR": str(root / "attachments")}
        command = [sys.executable, "-m", "warning.cli.main", "serve", "--no-scheduler",
                   "--port", str(port), "--workers", str(args.server_workers)]
        with server(command, env, port, root / "api-server.log",
                    listeners=args.server_workers) as proc:
            result, seen = drive(port, world, steady, root, "api", args, proc.pid)
            paced_result, paced_seen = drive(port, world, paced, root, "paced", args, proc.pid,
                                             pace=args.rate)
            settle(url)
            contention, raced_seen = asyncio.run(race(port, world, raced, args.clients))
        check = check_world(url, world, seen | paced_seen | raced_seen)
    return {"api": result, "paced": paced_result, "contention": contention, "check": check}


def walk_service(url: str, world: World, opened: list[Opened]) -> dict[str, float]:
    """Take warnings through all steps in-process, one thread: token lookup, act, commit."""
    from warning.auth.users import principal_for_token
    from warning.db.engine import make_engine, make_sessionmaker
    from warning.handling.records import act

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    latencies = []
    started = time.perf_counter()
    for o in opened:
        version = o.version
        for action, extra in STEPS:
            t0 = time.perf_counter()
            with sessions() as session:
                principal = principal_for_token(session, token_for(world, o, action))
                assert principal is not None
                acted = act(session, warning_id=o.warning_id, principal=principal,
                            action=action, version=version, **extra)
                session.commit()
                version = acted.version
            latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"transitions_per_s": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.5) * 1e3, "p99_ms": percentile(latencies, 0.99) * 1e3}


def phase_raw(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    with scratch_database(args.database_url, root, "raw") as url:
        n_http, n_db = args.raw_warnings, args.raw_db_warnings
        world = seed_world(url, root / "channels", n_http + 2 * n_db)
        bare = world.warnings[n_http : n_http + n_db]
        db = walk(url, [(o.warning_id, o.version) for o in bare])
        service = walk_service(url, world, world.warnings[n_http + n_db :])
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--factory", "bench.raw_transitions:create_app",
                   "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                   "--log-level", "warning"]
        with server(command, {"RAW_DATABASE_URL": url}, port, root / "raw-server.log") as proc:
            http, _ = drive(port, world, world.warnings[: args.raw_warnings], root, "raw",
                            args, proc.pid)
    return {"raw_http": http, "raw_db": db, "service": service}


def rate(r: dict[str, Any], digits: int = 0) -> str:
    """Format a phase's rate and latencies."""
    return (f"{r['transitions_per_s']:.0f} transitions/s, p50 {r['p50_ms']:.{digits}f} ms, "
            f"p99 {r['p99_ms']:.{digits}f} ms")


def report(args: argparse.Namespace, api: dict[str, Any], raw: dict[str, Any]) -> None:
    """Print the figures, the database check and the ratios to the raw limits."""
    a, c, check = api["api"], api["contention"], api["check"]
    db = "sqlite" if not args.database_url else "postgresql"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"transitions: {args.warnings} warnings (+{args.raced} raced), {args.clients} clients, "
          f"{args.seconds} s, db={db}, {os.cpu_count()} cores, load average {load}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    cpu_ms = a["server_cpu"] / max(a["transitions_per_s"], 1e-9) * 1e3
    print(f"api: {rate(a)}, max {a['max_ms']:.0f} ms; errors {a['http_errors']} http, "
          f"{a['socket_errors']} socket; {a['idle']} idle requests; server CPU "
          f"{a['server_cpu']:.0%} of a core ({a['server_sys']:.0%} system, {cpu_ms:.1f} ms a "
          f"transition), peak {a['server_peak_mb']:.0f} MB")
    pc = api["paced"]
    print(f"paced: {args.rate}/s offered over {args.clients} connections (open model, latency "
          f"from each request's intended start): {rate(pc)}, max {pc['max_ms']:.0f} ms; errors "
          f"{pc['http_errors']} http, {pc['socket_errors']} socket")
    print(f"contention: {c['races']} races of {args.clients} clients, {c['exactly_one_winner']} "
          f"with exactly one winner and 409 + current state for the rest; statuses "
          f"{c['statuses']}, {c['transport_errors']} transport errors {c['first_error']}; "
          f"p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms")
    print(f"check: {check.acknowledged} 2xx answers, {check.new_events} events stored "
          f"({check.unanswered_committed} for requests in flight when wrk stopped); lost "
          f"{len(check.lost)}, duplicated {len(check.duplicated)}, repeated actions "
          f"{check.repeated_actions}, version/state mismatches {len(check.version_mismatch)}, "
          f"broken chains {check.broken_chains} -> {'OK' if check.ok else 'FAILED'}")
    rh, sv, rd = raw["raw_http"], raw["service"], raw["raw_db"]
    ours = a["transitions_per_s"]
    print(f"raw-http (bare FastAPI route doing the raw-db SQL, same wrk script): {rate(rh)}, "
          f"{rh['http_errors']} errors, {rh['idle']} idle; "
          f"api = {ours / rh['transitions_per_s']:.0%}")
    print(f"service (token lookup + act + commit in-process, one thread, no HTTP): {rate(sv, 2)}; "
          f"api = {ours / sv['transitions_per_s']:.0%}")
    print(f"raw-db (UPDATE + SELECT + INSERT + COMMIT, one DB-API connection): {rate(rd, 2)}; "
          f"api = {ours / rd['transitions_per_s']:.0%}")
    errors = a["http_errors"] + pc["http_errors"] + a["socket_errors"] + pc["socket_errors"]
    met = [ours >= 300 and pc["transitions_per_s"] >= 0.98 * args.rate,
           pc["p99_ms"] <= 150, check.ok and errors == 0, c["exactly_one_winner"] == c["races"]]
    print(f"targets: >= 300/s {{}} (closed loop {ours:.0f}/s, paced "
          f"{pc['transitions_per_s']:.0f}/s); p99 <= 150 ms at {args.rate}/s {{}} (paced "
          f"{pc['p99_ms']:.0f} ms; closed loop at saturation {a['p99_ms']:.0f} ms); "
          f"none lost or duplicated {{}}; races exact {{}}"
          .format(*("met" if m else "NOT met" for m in met)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=6000,
                        help="warnings the steady phase may walk (4 transitions each)")
    parser.add_argument("--raced", type=int, default=20, help="warnings raced by all clients")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=int, default=300,
                        help="transitions/s the paced phase offers (the target)")
    parser.add_argument("--server-workers", type=int, default=2,
                        help="HTTP worker processes of `qingfeng serve`")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--raw-warnings", type=int, default=12000)
    parser.add_argument("--raw-db-warnings", type=int, default=1000,
                        help="warnings walked by raw-db, and as many by the in-process service")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--py-spy", help="write py-spy's raw stacks of the API server here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    root = Path(tempfile.mkdtemp(prefix="qf-transitions-"))
    write_files(root, 1)
    try:
        api = phase_api(args, root)
        raw = phase_raw(args, root)
        report(args, api, raw)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
