"""`qingfeng rules check|test` read rule files only once they have settled, as loads do.

Before: they read the files at once, so a file an editor was half way through writing was
reported as broken (a parse error that was gone a moment later).
"""

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from warning.cli.rules_cmd import rules_group_with, run_check
from warning.rules import settling
from warning.rules.checking import checked_files

ROOT = Path(__file__).parents[2]
RULES = ("rules:\n  - id: r1\n    name: 规则一\n    risk_point: P\n"
         "    when:\n      channels: [audit]\n      text: {any: [围标]}\n")
FIXTURE = "cases:\n  - name: 围标\n    signal: {channel: audit, text: 涉嫌围标}\n    expect: [r1]\n"


def _write_slowly(path: Path, text: str, *, pieces: int, pause_s: float) -> threading.Thread:
    """Start writing `text` to `path` in `pieces`, one every `pause_s`; return the writer."""
    started = threading.Event()

    def write() -> None:
        step = len(text) // pieces + 1
        with path.open("w", encoding="utf-8") as out:
            for n in range(0, len(text), step):
                out.write(text[n : n + step])
                out.flush()
                started.set()
                time.sleep(pause_s)

    writer = threading.Thread(target=write)
    writer.start()
    started.wait()
    return writer


@pytest.mark.parametrize("command", ["check", "test"])
def test_a_file_half_written_is_read_once_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("QINGFENG_RULES_SETTLE_SECONDS", "0.3")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/a.yaml").write_text(FIXTURE, encoding="utf-8")
    writer = _write_slowly(tmp_path / "a.yaml", RULES, pieces=4, pause_s=0.05)
    result = CliRunner().invoke(rules_group_with(), [command, "--rules-dir", str(tmp_path)])
    writer.join()
    assert result.exit_code == 0, result.output
    assert "规则检查通过: 1 条规则" in result.output or "失败 0 个" in result.output


def test_files_that_keep_changing_are_named_so_not_as_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QINGFENG_RULES_SETTLE_SECONDS", "0.3")
    writer = _write_slowly(tmp_path / "a.yaml", RULES, pieces=12, pause_s=0.06)
    code = run_check(tmp_path, risk_points=None, channels=None, wait_s=0.3)
    writer.join()
    err = capsys.readouterr().err
    assert code == 1
    assert "一直在变化, 未检查" in err and "still being written" in err
    assert "a.yaml:" not in err  # no problem of the file's own: it was not read


def test_files_older_than_the_settle_time_are_checked_without_sleeping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s on files long settled")

    monkeypatch.setenv("QINGFENG_RULES_SETTLE_SECONDS", "0.3")
    monkeypatch.setattr(settling.time, "sleep", no_sleep)
    (tmp_path / "a.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/a.yaml").write_text(FIXTURE, encoding="utf-8")
    time_ns = time.time_ns()
    monkeypatch.setattr(settling.time, "time_ns", lambda: time_ns + 10**9)  # a second later
    started = time.perf_counter()
    result = CliRunner().invoke(rules_group_with(), ["check", "--rules-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 0.5


def test_a_fixture_removed_a_moment_ago_is_a_change(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / "tests" / name).write_text(FIXTURE, encoding="utf-8")
    time.sleep(0.4)  # every file and folder is older than the quiet time
    assert settling.SettledFiles(tmp_path, 0.3, files=checked_files).settled() is not None
    (tmp_path / "tests/b.yaml").unlink()  # changes rules/tests, not rules/ nor a file left
    assert settling.SettledFiles(tmp_path, 0.3, files=checked_files).settled() is None


@pytest.mark.parametrize("command", ["check", "test"])
def test_a_settle_time_longer_than_the_wait_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A new process sees files settle only by watching them for the settle time: a file
    dated in the future (a clock ahead, a tarball from such a machine), or saved a moment
    ago, was "still being written" on every run when the setting exceeded the wait."""
    import os

    from warning.cli.rules_cmd import run_test

    monkeypatch.setenv("QINGFENG_RULES_SETTLE_SECONDS", "0.5")
    (tmp_path / "a.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/a.yaml").write_text(FIXTURE, encoding="utf-8")
    tomorrow = time.time() + 86_400
    os.utime(tmp_path / "a.yaml", (tomorrow, tomorrow))
    run = run_check if command == "check" else run_test
    assert run(tmp_path, risk_points=None, channels=None, wait_s=0.2) == 0
