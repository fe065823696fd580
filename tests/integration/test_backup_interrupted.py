"""A backup cut short (killed, a full disk) leaves no copy of the database behind.

`qingfeng backup` copied the database into a randomly named temporary directory beside the
archive and wrote the archive as FILE.partial. A backup killed midway (kill -9, or the
SIGTERM of a timer's timeout, which skips Python's clean-up) left both for ever: a whole
copy of the database, petitions included, under a name no later backup looked at; and a
disk that filled while writing ended in a traceback with the partial archive still taking
the space the service needs. Now each run works in one directory named after its process,
removes it whatever happens, and the next backup removes any a dead run left.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.cli.main import cli
from warning.db.migrate import upgrade
from warning.ops.restore import restore_backup
from warning.settings import load_settings

__all__ = ["new_database"]  # the fixture


def _leftovers(directory: Path, archive: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != archive)


def _source(new_database: EmptyDatabase, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> str:
    url = new_database()
    upgrade(url)
    files = tmp_path / "files" / "ab"
    files.mkdir(parents=True)
    (files / "big").write_bytes(os.urandom(40 << 20))  # gzip takes seconds over it
    monkeypatch.delenv("QINGFENG_REPORTER_KEY", raising=False)
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    monkeypatch.setenv("QINGFENG_ATTACHMENTS_DIR", str(tmp_path / "files"))
    return url


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_backup_leaves_nothing_the_next_one_keeps(
    new_database: EmptyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    how: signal.Signals,
) -> None:
    _source(new_database, tmp_path, monkeypatch)
    backups = tmp_path / "backups"
    backups.mkdir()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "qingfeng"), "backup", str(backups / "night1.backup")],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith("partial") for p in backups.rglob("*")):
        assert process.poll() is None, process.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the archive was never started"
        time.sleep(0.02)
    process.send_signal(how)
    process.wait(timeout=30)
    assert not (backups / "night1.backup").exists()
    if how == signal.SIGTERM:  # Python's clean-up runs only if the command asks for it
        assert _leftovers(backups, "") == []
    result = CliRunner().invoke(cli, ["backup", str(backups / "night2.backup")])
    assert result.exit_code == 0, result.output
    assert _leftovers(backups, "night2.backup") == []  # no database copy, no partial archive


def test_a_disk_that_fills_while_writing_leaves_no_partial_archive(
    new_database: EmptyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _source(new_database, tmp_path, monkeypatch)
    backups = tmp_path / "backups"
    work = backups / f".qingfeng-backup-{os.getpid()}"
    work.mkdir(parents=True)
    os.symlink("/dev/full", work / "archive.partial")  # every write: ENOSPC
    result = CliRunner().invoke(cli, ["backup", str(backups / "full.backup")])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "磁盘已满" in result.output, result.output
    assert _leftovers(backups, "") == []  # neither the archive nor the database copy


def test_a_file_still_being_written_is_not_backed_up(
    new_database: EmptyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`<sha>.part` is a file the service is writing (renamed when whole) or one a killed
    writer left: no attachment. The backup packed it, half-written, and failed outright
    when the service renamed it between the listing and the reading."""
    _source(new_database, tmp_path, monkeypatch)
    (tmp_path / "files" / "ab" / "big").unlink()
    (tmp_path / "files" / "ab" / "whole").write_bytes(b"%PDF-1.4 whole")
    (tmp_path / "files" / "ab" / "abcd.part").write_bytes(b"%PDF-1.4 half")
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "b.backup")])
    assert result.exit_code == 0, result.output
    assert "附件 1 个" in result.output, result.output
    target = load_settings(database_url=new_database(), attachments_dir=tmp_path / "back")
    assert restore_backup(target, tmp_path / "b.backup").attachments == 1
    assert [p.name for p in (tmp_path / "back").rglob("*") if p.is_file()] == ["whole"]
