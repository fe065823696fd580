"""Run the "Set up your office" sequence of docs/setup-office.md, command by command."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.models import Department
from warning.notify.channels import NotifyConfig
from warning.notify.worker import _emails

__all__ = ["new_database"]  # the fixture

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "setup-office.md"
PASSWORD = "Qf-setup-2026!"


def sequence() -> list[str]:
    """Return the commands of the block marked setup-sequence in the doc."""
    body = DOC.read_text(encoding="utf-8").split("<!-- setup-sequence -->", 1)[1]
    block = re.search(r"```bash\n(.*?)```", body, re.S)
    assert block is not None
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _office(tmp_path: Path) -> Path:
    """A working directory as the doc assumes: the two files, rules/ and channels/."""
    work = tmp_path / "office"
    work.mkdir()
    shutil.copy(ROOT / "docs" / "examples" / "org.csv", work / "org.csv")
    shutil.copy(ROOT / "docs" / "examples" / "register.csv", work / "register.csv")
    shutil.copytree(ROOT / "rules", work / "rules")
    shutil.copytree(ROOT / "channels", work / "channels")
    return work


def _department_id(session: Session, code: str = "CGZX") -> int:
    return session.scalars(select(Department.id).where(Department.code == code)).one()


def _wait_until_up(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail("the service did not answer /healthz within 60 s")


@pytest.mark.slow
def test_the_documented_sequence_sets_up_a_running_office(
    new_database: EmptyDatabase, tmp_path: Path
) -> None:
    empty_database = new_database()
    work = _office(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env |= {"QINGFENG_DATABASE_URL": empty_database, "NO_COLOR": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    commands = sequence()
    assert commands[-1].startswith("qingfeng serve")
    outputs: dict[str, str] = {}
    for command in commands[:-1]:
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        typed = f"{PASSWORD}\n{PASSWORD}\n" if command.endswith("--password") else None
        done = subprocess.run(["bash", "-c", command], cwd=work, env=env, input=typed,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        outputs[command] = done.stdout + done.stderr
    assert "人员 新增 32 个" in outputs["qingfeng org import org.csv"]
    assert "规则检查通过" in outputs["qingfeng rules check"]
    assert "订阅源：1" in outputs["qingfeng scan"]  # the channel files were read first
    engine = make_engine(empty_database)
    with make_sessionmaker(engine)() as session:  # a warning issued to CGZX reaches someone
        assert _emails(session, NotifyConfig(), f"department:{_department_id(session)}")
    engine.dispose()
    key = (work / "reporter.key").read_text().strip()
    assert key and key not in outputs["qingfeng config"]  # the config shows no secret
    token = (work / "admin.token").read_text().strip()
    port = _free_port()
    serve = commands[-1].replace("--port 8000", f"--port {port}")
    server = subprocess.Popen(["bash", "-c", f"exec {serve}"], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        assert httpx.get(f"{base}/login").status_code == 200
        points = httpx.get(f"{base}/api/risk-points",
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert len(points) == 50
    finally:
        server.terminate()
        server.communicate(timeout=30)
