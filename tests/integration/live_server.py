"""Run `qingfeng serve` in a subprocess on a free loopback port, on the test database."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support import DATA, child_log, log_text
from warning.runtime import Runtime

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(runtime: Runtime, *, workers: int = 1, **env: str) -> Iterator[str]:
    """Start the service (no scheduler) with `env` added as QINGFENG_ settings; yield its URL."""
    environment = os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"),
    } | {f"QINGFENG_{key.upper()}": value for key, value in env.items()}
    with serve_with(environment, "--workers", str(workers)) as (_server, base):
        yield base


@contextmanager
def serve_with(
    environment: dict[str, str], *args: str, cwd: Path | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start `qingfeng serve --no-scheduler [args]` in exactly `environment` once its
    /healthz answers; yield the process and its URL, and stop it afterwards."""
    port, log = free_port(), child_log()
    server = subprocess.Popen(
        [sys.executable, "-m", "warning.cli.main", "serve", "--no-scheduler", *args,
         "--port", str(port)],
        env=environment, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(log_text(log))
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("qingfeng serve did not start")
            time.sleep(0.1)
        yield server, base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def csrf_token(client: httpx.Client, path: str = "/login") -> str:
    """Open a page and return the CSRF token of its form."""
    found = CSRF.search(client.get(path).text)
    assert found is not None, f"no form token on {path}"
    return found.group(1)


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Post the sign-in form from a freshly opened sign-in page."""
    return client.post("/login", data={"csrf_token": csrf_token(client), "name": name,
                                       "password": password, "next": "/"})
