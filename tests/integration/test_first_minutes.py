"""The first ten minutes: state goes to a data directory, and a busy port is refused before
`serve --demo` loads anything or prints a password."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from warning.settings import load_settings


def test_state_lives_under_the_data_directory_not_the_checkout(
    tmp_path: Path, monkeypatch: object,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    code = ("from warning.settings import load_settings; s = load_settings(); "
            "print(s.database_url); print(s.attachments_dir)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.split()
    assert out == [f"sqlite:///{tmp_path / 'xdg' / 'qingfeng' / 'qingfeng.db'}",
                   str(tmp_path / "xdg" / "qingfeng" / "attachments")]
    chosen = load_settings(data_dir=tmp_path / "data")
    assert chosen.database_url == f"sqlite:///{tmp_path / 'data' / 'qingfeng.db'}"
    assert chosen.attachments_dir == tmp_path / "data" / "attachments"
    explicit = load_settings(data_dir=tmp_path / "data", database_url="sqlite:////x/y.db",
                             attachments_dir=tmp_path / "files")
    assert (explicit.database_url, explicit.attachments_dir) == ("sqlite:////x/y.db",
                                                                 tmp_path / "files")


def test_a_busy_port_is_refused_before_the_demo_is_loaded(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
        env["QINGFENG_DATA_DIR"] = str(tmp_path / "data")
        done = subprocess.run(
            [sys.executable, "-m", "warning.cli.main", "serve", "--demo", "--port", str(port)],
            env=env, capture_output=True, text=True, timeout=120,
            cwd=Path(__file__).parents[2],  # the clone: its rules/ and channels/
        )
    assert done.returncode != 0
    assert f"无法监听 127.0.0.1:{port}" in done.stderr + done.stdout
    assert "密码" not in done.stdout and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "qingfeng.db").exists()  # nothing loaded
