"""Schemathesis over the whole OpenAPI of a real server: no 500s, no undocumented status.

A `qingfeng serve --demo` subprocess on the test database (SQLite, then PostgreSQL) with
an office token; schemathesis' CLI generates valid and invalid requests for every
operation for a fixed time budget (QINGFENG_FUZZ_SECONDS, default 75 per backend) and
checks two things only: no server error, and every status is one the document lists.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from warning.auth.users import add_user, issue_token
from warning.db.engine import make_engine, make_sessionmaker

ROOT = Path(__file__).parents[2]
SECONDS = int(os.environ.get("QINGFENG_FUZZ_SECONDS", "75"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Run `qingfeng serve --demo` on the test database; yield its URL and an office token."""
    port = _free_port()
    env = os.environ | {
        "QINGFENG_DATABASE_URL": db_url,
        "QINGFENG_RULES_DIR": str(ROOT / "rules"),
        "QINGFENG_CHANNELS_DIR": str(ROOT / "channels"),
        "QINGFENG_REPORTER_KEY": Fernet.generate_key().decode(),
        "QINGFENG_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        "QINGFENG_TOKEN_CACHE_SECONDS": "0",
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "warning.cli.main", "serve", "--demo", "--no-scheduler",
         "--port", str(port)],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "qingfeng serve --demo did not start"
            time.sleep(0.3)
        engine = make_engine(db_url)
        with make_sessionmaker(engine)() as session, session.begin():
            user = add_user(session, name="fuzz-office", role="office",
                            password="pw-fuzz-office-2026")
            token = issue_token(session, user=user)
        engine.dispose()
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        server_log = (tmp_path / "server.log").read_text(errors="replace")
        print(server_log[-4000:])


@pytest.mark.slow
def test_no_server_error_and_no_undocumented_status(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base, token = server
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis missing: pip install -e '.[test]'"
    run = subprocess.run(
        [st, "run", f"{base}/openapi.json",
         "--checks", "not_a_server_error,status_code_conformance",
         "--header", f"Authorization: Bearer {token}",
         "--max-time", str(SECONDS), "--max-examples", "60", "--workers", "1",
         "--seed", "20261201", "--no-shrink", "--request-timeout", "30",
         "--phases", "examples,coverage,fuzzing",
         "--report", "ndjson", "--report-dir", str(tmp_path / "report")],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 300,
        env=os.environ | {"NO_COLOR": "1"},
    )
    assert run.returncode == 0, run.stdout[-15000:] + run.stderr[-3000:]
