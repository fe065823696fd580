"""Run `qingfeng serve` as a subprocess on the test database, for fault tests (kill -9)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from tests.support import DATA, child_log, log_text

ROOT = Path(__file__).parents[2]
FAST_JOBS = {  # short leases and intervals, so that faults heal within seconds
    "QINGFENG_EVALUATION_LEASE_SECONDS": "3",
    "QINGFENG_EVALUATION_BACKOFF_SECONDS": "0",
    "QINGFENG_RETRY_SECONDS": "1",
    "QINGFENG_DELIVER_SECONDS": "1",
    "QINGFENG_OVERDUE_SCAN_SECONDS": "2",
    "QINGFENG_SCHEDULER_LEASE_SECONDS": "3",
    "QINGFENG_SCHEDULER_RENEW_SECONDS": "1",
    "QINGFENG_DELIVERY_LEASE_SECONDS": "20",
    "QINGFENG_SMTP_TIMEOUT": "4",  # a send is bounded by 3 x 4 s: it fits the lease
}


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


LOGS: dict[int, IO[bytes]] = {}  # each started server's stderr, by pid


def start(database_url: str, rules_dir: Path, port: int, *args: str,
          env: dict[str, str] | None = None, read_stderr: bool = False,
          ) -> subprocess.Popen[bytes]:
    """Start `qingfeng serve` in its own process group (so a test can clean it all up).

    Its stderr goes to a file; `read_stderr` gives a pipe instead, for a test that reads it
    to the end (a pipe nobody reads blocks the server once 64 KB are written).
    """
    environment = os.environ | FAST_JOBS | {
        "QINGFENG_DATABASE_URL": database_url, "QINGFENG_RULES_DIR": str(rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"), "QINGFENG_SECRET_KEY": "test-key",
    } | (env or {})
    log = child_log()
    server = subprocess.Popen(
        [sys.executable, "-m", "warning.cli.main", "serve", "--port", str(port), *args],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if read_stderr else log, start_new_session=True,
    )
    if not read_stderr:
        LOGS[server.pid] = log
    return server


def wait_ready(server: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    """Wait until /healthz answers; fail with the server's stderr if it exits or never answers.

    /healthz asks the database, so a service started under load (clients retrying, leases
    being taken over) may take seconds to answer it: each try waits up to 5 s."""
    deadline = time.monotonic() + timeout
    seen = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            if server.pid in LOGS:
                raise AssertionError(log_text(LOGS[server.pid]))
            raise AssertionError(server.stderr.read().decode() if server.stderr else "exited")
        try:
            wait = max(0.5, min(5.0, deadline - time.monotonic()))
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=wait)
            if answer.status_code == 200:
                return
            seen = f"HTTP {answer.status_code}"
        except httpx.HTTPError as error:
            seen = f"{type(error).__name__}: {error}"
        time.sleep(0.2)
    log = log_text(LOGS[server.pid], 4000) if server.pid in LOGS else ""
    raise AssertionError(f"qingfeng serve on port {port} did not start in {timeout} s "
                         f"(last /healthz: {seen})\n{_tree(server.pid)}\n{log}")


def _tree(pid: int, depth: int = 0) -> str:
    """Describe a process and its descendants: state, kernel wait channel, command line."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        wchan = Path(f"/proc/{pid}/wchan").read_text() or "-"
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
    lines = [f"{'  ' * depth}{pid} {state} {wchan} {command[:160]}"]
    lines += [_tree(child, depth + 1) for child in children(pid)]
    return "\n".join(line for line in lines if line)


def children(pid: int) -> list[int]:
    """Return the pids whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def kill_group(server: subprocess.Popen[bytes]) -> None:
    """Kill a served process group, whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
