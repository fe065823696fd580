"""The backup's working directory: one per run, beside the archive, never left behind.

A backup copies the whole database there before it is packed. A run killed before its
clean-up (kill -9, a power cut) leaves that copy; the directory is named after the run's
process, so the next backup in the same place removes those of runs no longer alive.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = ".qingfeng-backup-"


@contextmanager
def work_directory(parent: Path) -> Iterator[Path]:
    """Yield this run's private working directory under `parent`; remove it at the end."""
    remove_abandoned(parent)
    work = parent / f"{PREFIX}{os.getpid()}"
    work.mkdir(mode=0o700, exist_ok=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the working directories of backups whose process is gone; return them."""
    removed = []
    for path in parent.glob(f"{PREFIX}*"):
        pid = path.name.removeprefix(PREFIX)
        if path.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
