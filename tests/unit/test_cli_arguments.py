"""Command-line arguments that are not valid UTF-8 text are refused before any command runs."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [
    ["user", "add", "{bad}", "--role", "office"],
    ["signal", "add", "--channel", "api", "--external-id", "x", "--title", "{bad}"],
    ["signal", "import", "{bad}.jsonl"],
])
def test_an_undecodable_argument_is_refused_in_chinese(command: list[str]) -> None:
    bad = b"a\xff".decode("utf-8", "surrogateescape")  # how Python hands over such bytes
    args = [part.replace("{bad}", bad) for part in command]
    run = subprocess.run([sys.executable, "-m", "warning.cli.main", *args],
                         capture_output=True, env={"QINGFENG_DATABASE_URL": "sqlite://"})
    assert run.returncode == 1
    assert "无效" in run.stderr.decode() and b"Traceback" not in run.stderr
