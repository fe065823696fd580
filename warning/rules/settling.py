"""When rule files have settled: unchanged long enough that no writer is half way through.

Rule files are replaced on a running service: an editor truncates then writes, a deploy
copies files one by one or renames a release over a symlink. A file read in the middle is
often valid YAML (a rule cut after `channels:` loses its text condition and fires on every
signal of the channel), so no load may read the files before they settle: every way rules
are put in force (start-up, the watcher, POST /api/rules/reload, the rules page, a reload
asked by another instance) goes through `SettledFiles`, and a load whose files changed while
they were read is refused by the caller.

Settled means the files' fingerprint (names, sizes, modification and change times, inodes)
has not changed for `quiet_s`: either this process saw the same fingerprint `quiet_s` ago,
or every file's change time, and its folders', is `quiet_s` in the past (so a service
starting on files untouched for a while does not wait). The change time (ctime) cannot be
set by a copy that keeps modification times (`cp -p`, `rsync -t`); the directory's changes
when a file is removed, added or renamed in it, which no remaining file's does (a deploy
that removes the old files and then copies the new ones was read between the two).
"""

import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from warning.rules.loader import watched_files

Fingerprint = tuple[tuple[str, int, int, int, int], ...]
FileList = Callable[[Path], list[Path]]  # the files of a rules directory that are watched
QUIET_S = 1.0  # editors and copies write a file within milliseconds; a deploy's files too
WAIT_S = 15.0  # how long a load that must answer waits for files still being written


def first_look_wait(quiet_s: float, wait_s: float = WAIT_S) -> float:
    """How long a process that has not seen the files before waits for them: a file changed
    less than `quiet_s` ago, or dated in the future, settles only once watched for `quiet_s`,
    so a settle time past `wait_s` refused it on every run of a command."""
    return max(wait_s, quiet_s * 1.5)


def fingerprint(rules_dir: Path, files: FileList = watched_files) -> Fingerprint:
    """Name, modification time, size, inode and change time of every rule file (or of
    `files`): a copy that keeps size and mtime (`cp -p`, `rsync -t`, `mv` of a prepared
    file) still gets a new change time or inode. A file that cannot be stat'ed (a dangling
    link) counts by its name alone, so the others' changes are still seen."""
    try:
        paths = files(rules_dir)
    except OSError:
        return ()
    found = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            found.append((str(path.relative_to(rules_dir)), -1, -1, -1, -1))
            continue
        found.append((str(path.relative_to(rules_dir)), info.st_mtime_ns, info.st_size, info.st_ino,
                      info.st_ctime_ns))
    return tuple(found)


def _folders(found: Fingerprint, rules_dir: Path) -> set[Path]:
    """The directory, its subdirectories (a fixture removed from rules/tests changes only
    that one's times) and the folder of every file found."""
    folders = {rules_dir, *((rules_dir / name).parent for name, *_ in found)}
    with suppress(OSError):  # gone: its files are gone too, and the fingerprint says so
        folders.update(path for path in rules_dir.iterdir() if path.is_dir())
    return folders


def _changed_ns(found: Fingerprint, rules_dir: Path) -> int:
    """The newest modification or change time among the files and their folders."""
    times = [max(mtime, ctime) for _name, mtime, _size, _inode, ctime in found]
    for folder in _folders(found, rules_dir):
        try:
            info = folder.stat()
        except OSError:
            continue
        times.append(max(info.st_mtime_ns, info.st_ctime_ns))
    return max(times, default=0)


class SettledFiles:
    """Look at a rules directory and say when its files have settled."""

    def __init__(self, rules_dir: Path, quiet_s: float = QUIET_S, *,
                 clock: Callable[[], float] = time.monotonic,
                 files: FileList = watched_files) -> None:
        """`files`: the files of the directory that must settle (the rule files and the
        grading file; `qingfeng rules check` adds the fixture files)."""
        self._dir = rules_dir
        self._files = files
        self._quiet_s = quiet_s
        self._clock = clock
        self._first: tuple[Fingerprint, float] | None = None  # a fingerprint, first seen at

    def look(self) -> Fingerprint:
        """Return the files' fingerprint now, noting when it was first seen."""
        found = fingerprint(self._dir, self._files)
        if self._first is None or self._first[0] != found:
            self._first = (found, self._clock())
        return found

    def settled(self) -> Fingerprint | None:
        """Return the fingerprint if the files have been unchanged for the quiet time."""
        found = self.look()
        assert self._first is not None
        seen_for = self._clock() - self._first[1]
        untouched_for = (time.time_ns() - _changed_ns(found, self._dir)) / 1e9
        return found if max(seen_for, untouched_for) >= self._quiet_s else None

    def wait(self, limit_s: float = WAIT_S) -> Fingerprint | None:
        """Return the fingerprint once the files settle; None if they still change after
        `limit_s`."""
        end = self._clock() + limit_s
        while (found := self.settled()) is None:
            left = end - self._clock()
            if left <= 0:
                return None
            time.sleep(min(max(self._quiet_s / 4, 0.01), left))
        return found

    def unchanged(self, since: Fingerprint) -> bool:
        """Whether the files are still as `since` (checked after reading them)."""
        return self.look() == since
