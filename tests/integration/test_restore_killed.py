"""`qingfeng restore` killed with SIGKILL at any moment: running it again finishes the job.

The database and the attachments are restored in two steps. A restore killed between them
left the database restored and the attachments in a `.restoring` copy beside their
directory: running it again refused (the database was not empty) and the files stayed out
of place. Now the attachments go into place first holding a marker that names the backup,
the database follows in one step, and the marker goes last; a second run finishes or
starts over. Killed at moments spread over a whole run, on both databases.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.models import Signal
from warning.ops.backup import make_backup
from warning.ops.restore import PENDING_MARKER
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

__all__ = ["new_database"]  # the fixture
FILES = 300
KILLS = 8


def _restore(archive: Path, url: str, files: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env |= {"QINGFENG_DATABASE_URL": url, "QINGFENG_ATTACHMENTS_DIR": str(files)}
    return subprocess.Popen([str(Path(sys.executable).parent / "qingfeng"), "restore",
                             "--force-key", str(archive)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _signals(url: str) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(Signal)) or 0
    finally:
        engine.dispose()


def _signals_or_none(url: str) -> int | None:
    try:
        return _signals(url)
    except Exception:  # no tables yet
        return None


@pytest.mark.slow
def test_a_restore_killed_at_any_moment_is_finished_by_the_next_run(
    runtime: Runtime, new_database: EmptyDatabase, tmp_path: Path
) -> None:
    runtime.intake.ingest([
        SignalIn(channel="audit", external_id=f"RK-{n}", title="审计发现拆分合同",
                 text="拆分合同化整为零规避招标", department="CGZX") for n in range(30)])
    source = runtime.settings.model_copy(update={"attachments_dir": tmp_path / "files"})
    for n in range(FILES):
        shard = source.attachments_dir / f"{n % 16:02x}"
        shard.mkdir(parents=True, exist_ok=True)
        (shard / f"file-{n}").write_bytes(b"%PDF-1.4 " + os.urandom(2048))
    archive = tmp_path / "qingfeng.backup"
    make_backup(source, archive)
    started = time.monotonic()
    whole = _restore(archive, new_database(), tmp_path / "timed")
    output, _ = whole.communicate(timeout=120)
    assert whole.returncode == 0, output
    took = time.monotonic() - started
    problems = []
    for kill in range(KILLS):
        url, files = new_database(), tmp_path / f"restored-{kill}"
        first = _restore(archive, url, files)
        time.sleep(took * (0.15 + 0.85 * kill / (KILLS - 1)))  # from start-up to the end
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
        # the first run may have done everything before the kill: the database full, the
        # attachments in place and no marker left; a second run then rightly refuses
        finished = _signals_or_none(url) == 30 and not (files / PENDING_MARKER).exists() \
            and files.is_dir()
        again = _restore(archive, url, files)
        output, _ = again.communicate(timeout=120)
        if again.returncode != 0 and not (finished and "不是空的" in output):
            problems.append(f"kill {kill}: the second run exited {again.returncode}: {output}")
        restored = sorted(p.relative_to(files) for p in files.rglob("*") if p.is_file())
        expected = sorted(p.relative_to(source.attachments_dir)
                          for p in source.attachments_dir.rglob("*") if p.is_file())
        if restored != expected:
            problems.append(f"kill {kill}: {len(restored)} of {len(expected)} files in place")
        if _signals(url) != 30:
            problems.append(f"kill {kill}: {_signals(url)} signals restored")
        if (files / PENDING_MARKER).exists() or files.with_name(files.name + ".restoring").exists():
            problems.append(f"kill {kill}: a marker or staged copy is left")
    assert problems == [], "\n".join(problems)
