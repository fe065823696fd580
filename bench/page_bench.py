"""Page benchmark: how fast the pages answer with 100,000 signals and 20,000 warnings.

Builds the database (bench/page_world.py), starts the real service (`qingfeng serve
--no-scheduler`, one process) on a free loopback port, signs in through the sign-in form as
the office and as a department handler (采购中心), and asks each page `--requests` times in
turn over one keep-alive connection per role. Prints p50/p95/p99 per page and role, and the
floor measured in the same run: a static file (no database, no template), the sign-in
page (a template, no database) and /healthz (one small query, JSON). Target (issue 14):
p99 <= 150 ms.

With --queries it also counts the SQL statements one request of each page runs (in-process
app, a cursor listener: to find N+1s, not to time).
Run: .venv/bin/python bench/page_bench.py [--signals 100000] [--warnings 20000]
     [--requests 200] [--only sqlite|postgresql] [--queries] [--pages search]
     [--keep] [--database URL]  (--keep a world, then time it again with --database)
"""

import argparse
import http.client
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.page_world import (  # noqa: E402
    PASSWORD,
    RARE_WORD,
    Facts,
    build,
    counts,
    facts_of,
)

TARGET_MS = 150.0


def pages(facts: Facts, role: str) -> list[tuple[str, str]]:
    """Return (label, path) of the pages timed for `role`."""
    warning = facts.office_warning if role == "office" else facts.handler_warning
    signal = facts.office_signal if role == "office" else facts.handler_signal
    rare, common = urllib.parse.quote(RARE_WORD), urllib.parse.quote("采购")
    return [
        ("home /", "/"),
        ("signals ?channel=audit", "/signals?channel=audit"),
        ("signals ?status&page=3", "/signals?status=evaluated&page=3"),
        ("warnings ?state=open", "/warnings?state=open"),
        ("warnings ?response=talk", "/warnings?response=talk"),
        ("inbox 待办", "/inbox"),
        ("search 采购 (common)", f"/search?q={common}"),
        (f"search {RARE_WORD} (rare)", f"/search?q={rare}"),
        # two characters: the commonest length of a Chinese search, served by the index's
        # term list rather than whole trigrams
        (f"search {RARE_WORD[:2]} (rare, 2)", f"/search?q={urllib.parse.quote(RARE_WORD[:2])}"),
        ("warning page", f"/warnings/{warning}"),
        ("signal page", f"/signals/{signal}"),
    ]


FLOOR = [("floor: static file", "/static/favicon.svg"), ("floor: /login (template)", "/login"),
         ("floor: /healthz (1 query)", "/healthz")]


class Client:
    """One keep-alive connection with the cookies the server set."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("set-cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def sign_in(self, name: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode({"name": name, "password": PASSWORD, "next": "/",
                                       "csrf_token": token.group(1)})
        status, _ = self.request("POST", "/login", form)
        assert status == 303, f"sign-in as {name} answered {status}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_pages(
    client: Client, paths: list[tuple[str, str]], n: int, pid: int, database: str | None
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Ask each path `n` times, round robin; return the latencies in ms per label, and the
    CPU ms per request of each, the server's plus its PostgreSQL backends' (summed from
    /proc in 10 ms ticks, so a mean)."""
    for _, path in paths:  # warm: templates compiled, statement caches filled
        for _ in range(3):
            status, _ = client.request("GET", path)
            assert status == 200, f"{path} answered {status}"
    times: dict[str, list[float]] = {label: [] for label, _ in paths}
    cpu = dict.fromkeys(times, 0.0)
    pids = [pid, *backends(database)]
    for _ in range(n):
        for label, path in paths:
            before = cpu_seconds(*pids)
            started = time.perf_counter()
            status, _ = client.request("GET", path)
            times[label].append((time.perf_counter() - started) * 1e3)
            cpu[label] += cpu_seconds(*pids) - before
            assert status == 200, f"{path} answered {status}"
    return times, {label: seconds * 1e3 / n for label, seconds in cpu.items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(url: str, data_dir: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run `qingfeng serve --no-scheduler` on `url`; yield its port and process."""
    port = free_port()
    env = {**os.environ, "QINGFENG_DATABASE_URL": url, "QINGFENG_DATA_DIR": str(data_dir),
           "QINGFENG_RULES_CHECK_SECONDS": "0"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "qingfeng"), "serve", "--no-scheduler",
         "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=(data_dir / "serve.log").open("wb"))  # one access line per request
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the service did not start") from None
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(*pids: int) -> float:
    """Return the user+system CPU seconds processes `pids` have used (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a backend that ended
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def backends(database: str | None) -> list[int]:
    """Return the pids of PostgreSQL's backends serving `database` (their process titles
    name it), so that the database's CPU counts with the server's."""
    if database is None:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


def report(role: str, times: dict[str, list[float]], cpu: dict[str, float]) -> None:
    for label, values in times.items():
        p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
        mark = "" if label.startswith("floor") else (" ok" if p99 <= TARGET_MS else " MISS")
        print(f"  {role:8s} {label:28s} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms"
              f"  CPU {cpu[label]:6.1f} ms/req{mark}")


def count_queries(url: str, facts: Facts) -> None:
    """Print how many SQL statements one request of each page runs (in-process app)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from warning.runtime import build_runtime
    from warning.settings import load_settings
    from warning.web.app import create_app

    settings = load_settings(database_url=url, rules_dir=ROOT / "rules",
                             channels_dir=ROOT / "channels", run_scheduler=False,
                             rules_check_seconds=0)
    rt = build_runtime(settings, load_rules=True)
    seen: list[str] = []
    event.listen(rt.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    with TestClient(create_app(rt)) as client:
        for role, name in (("office", "bench_office"), ("handler", "bench_handler")):
            page = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            client.post("/login", data={"name": name, "password": PASSWORD, "next": "/",
                                        "csrf_token": token.group(1)}, follow_redirects=False)
            for label, path in pages(facts, role):
                client.get(path)
                seen.clear()
                client.get(path)
                print(f"  {role:8s} {label:28s} {len(seen):3d} statements")
            client.cookies.clear()
    rt.close()


def run(url: str, args: argparse.Namespace) -> None:
    name = url.split(":", 1)[0].split("+")[0]
    started = time.perf_counter()
    if args.database:
        from warning.db.migrate import upgrade

        upgrade(url)
        facts = facts_of(url)
    else:
        facts = build(url, ROOT / "channels", args.signals, args.warnings)
    loaded = time.perf_counter() - started
    held = ", ".join(f"{k} {v:,}" for k, v in counts(url).items())
    print(f"{name}: {held} (built in {loaded:.0f} s)")
    if args.queries:
        count_queries(url, facts)
    with tempfile.TemporaryDirectory() as data_dir, served(url, Path(data_dir)) as (port, proc):
        database = url.rsplit("/", 1)[1] if name == "postgresql" else None
        for role, user in (("office", "bench_office"), ("handler", "bench_handler")):
            client = Client(port)
            client.sign_in(user)
            cpu_before, wall = cpu_seconds(proc.pid), time.perf_counter()
            timed = [p for p in pages(facts, role) if args.pages in p[0]]
            times, per_page = time_pages(client, FLOOR + timed, args.requests, proc.pid,
                                         database)
            cpu = cpu_seconds(proc.pid) - cpu_before
            wall = time.perf_counter() - wall
            report(role, times, per_page)
            print(f"  {role:8s} server CPU {cpu:.1f} s over {wall:.1f} s wall "
                  f"({sum(map(len, times.values()))} requests)")
    load = os.getloadavg()
    print(f"  load average during the run: {load[0]:.1f} {load[1]:.1f} (2 cores, shared); "
          f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}"
          f" MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--warnings", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--pages", default="", help="time only the pages whose label holds "
                        "this (e.g. search); the floor is always timed")
    parser.add_argument("--keep", action="store_true", help="keep the databases (print URLs)")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", help="time a database built before (--keep) as it is")
    args = parser.parse_args()
    if args.database:
        run(args.database, args)
        return
    if args.only != "postgresql":
        folder = tempfile.mkdtemp(prefix="qf_pagebench_")
        run(f"sqlite:///{folder}/pages.db", args)
        if args.keep:
            print(f"  kept sqlite:///{folder}/pages.db")
        else:
            shutil.rmtree(folder)
    if args.only == "sqlite":
        return
    from sqlalchemy import text

    from warning.db.engine import make_engine

    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    db = "qf_pagebench"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        run(args.pg_url.rsplit("/", 1)[0] + "/" + db, args)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
