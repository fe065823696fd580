"""One SQLite writer at a time, handed over at once, across threads and processes.

SQLite lets one connection write; the others wait in its busy handler, which sleeps 1, 2,
5 … up to 100 ms between tries. Under 50 concurrent clients (and with `serve --workers`,
several processes) that polling made the slowest writers wait seconds. Instead, the first
INSERT, UPDATE or DELETE of a transaction takes this gate — a thread lock within the
process (which wakes the next waiter at once) and `flock` on a file beside the database
across processes (at most one waiter per process polls it, every half millisecond) — and
the commit or rollback releases it. Every engine of a process on one file shares its gate.
"""

import fcntl
import os
import threading
import time
from pathlib import Path
from sqlite3 import Connection, OperationalError
from typing import Any

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
POLL_S = 0.0005
_gates: dict[str, "WriteGate"] = {}
_gates_lock = threading.Lock()


class WriteGate:
    """A lock held by one writing connection at a time (re-entrant within a thread)."""

    def __init__(self, lock_file: Path | None, timeout_s: float = 30.0) -> None:
        self._lock_file = lock_file
        self._timeout = timeout_s
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        """Wait for the gate: first other threads of this process, then other processes."""
        if not self._threads.acquire(timeout=self._timeout):
            raise OperationalError("database is locked (waited for the write gate)")
        self._depth += 1
        if self._depth == 1 and self._lock_file is not None:
            try:
                self._lock_file_exclusively()
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise

    def _lock_file_exclusively(self) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError(
                        "database is locked (another process held the write gate)"
                    ) from None
                time.sleep(POLL_S)

    def release(self) -> None:
        """Let the next writer in."""
        self._depth -= 1
        if self._depth == 0 and self._lock_file is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            assert self._lock_file is not None
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


class GatedConnection(Connection):
    """A sqlite3 connection that holds its gate from its first write to commit or rollback."""

    gate: WriteGate
    holding = False

    def enter_write(self) -> None:
        """Take the gate before this transaction's first write (once per transaction)."""
        if not self.holding:
            self.gate.acquire()
            self.holding = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave()

    def _leave(self) -> None:
        if self.holding:
            self.holding = False
            self.gate.release()


def gate_for(database: str | None) -> WriteGate:
    """Return this process's gate of a SQLite file (a thread lock only for in-memory ones)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return WriteGate(None)
    path = f"{Path(database).resolve()}-writelock"
    with _gates_lock:
        if path not in _gates:
            _gates[path] = WriteGate(Path(path))
        return _gates[path]


def before_write(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    """SQLAlchemy `before_cursor_execute` hook: take the gate before a write."""
    if statement.lstrip()[:7].upper().startswith(WRITES):
        dbapi = conn.connection.dbapi_connection
        if isinstance(dbapi, GatedConnection):
            dbapi.enter_write()
