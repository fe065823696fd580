"""A lock held by a running process: `flock` on a file, so it dies with the process.

A pid file outlives a process killed with -9 and blocks the restart; a `flock` is released
by the kernel the moment its holder dies. The file keeps the holder's pid and host only to
name it in the refusal.
"""

import fcntl
import os
import socket
from pathlib import Path


class LockHeld(RuntimeError):
    """Another live process holds the lock; `holder` is its "pid@host"."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder or 'another process'}")
        self.path = path
        self.holder = holder


class ProcessLock:
    """An exclusive lock on `path` for as long as this process holds it open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once or raise LockHeld naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}@{socket.gethostname()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (closing the file releases the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
