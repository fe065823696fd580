"""Build the offline bundle, install it into a fresh venv with no index, and smoke-test it.

Slow (every wheel is built or copied, then installed): runs in CI, and locally only with
QINGFENG_TEST_OFFLINE_BUNDLE=1.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.skipif(
    os.environ.get("QINGFENG_TEST_OFFLINE_BUNDLE") != "1",
    reason="slow: set QINGFENG_TEST_OFFLINE_BUNDLE=1 to build and install the offline bundle "
    "(.ci/run does)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_bundle_installs_without_an_index_and_serves(tmp_path: Path) -> None:
    bundle = tmp_path / "qingfeng-offline"
    built = subprocess.run([str(ROOT / "deploy" / "build-offline-bundle.sh"), str(bundle)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = {path.name.split("-")[0].lower() for path in (bundle / "wheels").glob("*.whl")}
    assert {"qingfeng", "durable_rules", "sqlalchemy", "fastapi"} <= wheels
    assert (tmp_path / "qingfeng-offline.tar.gz").stat().st_size > 0
    for example in ("org.csv", "register.csv"):  # what docs/setup-office.md starts from
        assert (bundle / "docs" / "examples" / example).is_file()

    # No pip configuration (no index, no find-links of this machine), no network needed.
    offline = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "QINGFENG_"))}
    offline |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    venv = tmp_path / "venv"
    installed = subprocess.run([str(bundle / "install.sh"), str(venv)], env=offline,
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "qingfeng, version 0.1.0" in installed.stdout

    qingfeng = str(venv / "bin" / "qingfeng")
    work = tmp_path / "site"
    work.mkdir()
    env = offline | {"QINGFENG_DATABASE_URL": f"sqlite:///{work / 'q.db'}",
                     "QINGFENG_RULES_DIR": str(bundle / "rules"),
                     "QINGFENG_CHANNELS_DIR": str(work / "channels")}
    (work / "channels").mkdir()
    upgraded = subprocess.run([qingfeng, "db", "upgrade"], env=env, cwd=work,
                              capture_output=True, text=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    port = _free_port()
    server = subprocess.Popen([qingfeng, "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-scheduler"], env=env, cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "no answer from the installed service"
                time.sleep(0.3)
        assert answer.status_code == 200 and answer.json()["status"] == "ok"
    finally:
        server.terminate()
        server.communicate(timeout=30)
