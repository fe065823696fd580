"""The file locks a running `qingfeng serve` holds, and the refusals when they are taken.

A service holds one lock per address it listens on (a second service on the same port would
otherwise share it silently through SO_REUSEPORT) and, on SQLite, one per database file for
its scheduler (SQLite serves one instance; PostgreSQL elects a leader instead). Both are
`flock`s (warning.process_lock): a killed service leaves nothing that blocks its restart.
"""

import re
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from warning.process_lock import LockHeld, ProcessLock


class ServiceLockError(RuntimeError):
    """Another running service holds a lock this one needs; the message says which."""


def port_lock(host: str, port: int) -> ProcessLock:
    """Take the lock of host:port or raise ServiceLockError."""
    name = re.sub(r"[^A-Za-z0-9.]", "_", host)
    lock = ProcessLock(Path(tempfile.gettempdir()) / f"qingfeng-serve-{name}-{port}.lock")
    try:
        lock.acquire()
    except LockHeld as held:
        raise ServiceLockError(
            f"{host}:{port} 已有一个 qingfeng serve 在运行（{_who(held.holder)}），"
            "请先停止它或换一个端口。"
            f"\n({host}:{port} is already served by qingfeng serve {held.holder}.)"
        ) from None
    return lock


def sqlite_scheduler_lock(database_url: str) -> ProcessLock | None:
    """On SQLite, take the database file's scheduler lock or raise ServiceLockError."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or ":memory:" in url.database:
        return None
    path = Path(url.database).resolve()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a fresh data directory
    lock = ProcessLock(path.with_name(path.name + ".serve.lock"))
    try:
        lock.acquire()
    except LockHeld as held:
        raise ServiceLockError(
            f"数据库文件 {path} 已由另一个 qingfeng serve 使用（{_who(held.holder)}）："
            "SQLite 只能由一个服务实例运行定时任务。"
            "请先停止该实例，或改用 PostgreSQL 运行多个实例。"
            f"\n(the SQLite file {path} is already used by qingfeng serve {held.holder}; "
            "SQLite allows one instance: stop it, or use PostgreSQL for several.)"
        ) from None
    return lock


def _who(holder: str) -> str:
    pid, _, host = holder.partition("@")
    return f"进程 {pid}，主机 {host}" if host else "另一个进程"
