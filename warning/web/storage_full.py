"""A full disk under the database or the service's files: refuse the request with 507.

The request's transaction is rolled back, so nothing of it is stored; the answer says so in
Chinese and the administrator finds the cause in the log. Without this a full disk under
the SQLite file (or PostgreSQL's `disk_full`) answered 500 服务器内部错误.
"""

import errno
import logging
import sqlite3

from fastapi import Request

log = logging.getLogger(__name__)

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
PG_DISK_FULL = "53100"  # SQLSTATE disk_full
MESSAGE = "服务器存储空间已满，本次操作未保存，请稍后重试或联系管理员"
MESSAGE_EN = "the server's storage is full; nothing of this request was saved"


def storage_full(error: BaseException) -> bool:
    """Tell whether `error` (or the driver error it wraps) says the storage is full."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.Error) and (
            getattr(current, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or "database or disk is full" in str(current)
        ):
            return True
        if getattr(current, "sqlstate", None) == PG_DISK_FULL:
            return True
        if isinstance(current, OSError) and current.errno in FULL_ERRNOS:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def log_full(request: Request, error: BaseException) -> None:
    """Log a refusal for a full disk: the administrator's cue, without the request's data."""
    log.error("storage full: %s %s refused with 507 (%s)", request.method, request.url.path,
              type(getattr(error, "orig", None) or error).__name__)
