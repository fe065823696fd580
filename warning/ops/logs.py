"""Logging: plain text, or one JSON object per line with the request id (QINGFENG_LOG_FORMAT).

Time stamps: the text log writes every line in one time zone, the service's
(QINGFENG_TIMEZONE, Asia/Shanghai by default), with its offset: `2026-12-02T06:35:49.123+08:00`.
The JSON log keeps UTC ISO 8601 (`...+00:00`), for machines. APScheduler's per-run lines
("Running job ...", "... executed successfully") are silenced, and so is its warning that a
run was skipped because the previous one is still working (every job here runs one at a
time and coalesces: the running one logs its own line when it ends); the jobs log in words
themselves (warning.ops.job_log). `-v` shows everything again.
"""

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DEFAULT_TIMEZONE = "Asia/Shanghai"
# loggers that write a line per job run, or per plugin Alembic sets up, at INFO
CHATTY = ("apscheduler", "alembic.runtime.plugins")


# PostgreSQL's DETAIL line names a clashing key's values (a petition's 来文编号, the person
# in an open warning's key); statement parameters are hidden by the engine (warning.db.engine).
_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def scrubbed(text: str) -> str:
    """Return a formatted error with the database's DETAIL lines (stored values) blanked."""
    return _DETAIL.sub("DETAIL: （数据库给出的取值已隐去）", text)


# A URL's query string may hold a secret: a WeCom/DingTalk robot's key or access token.
_QUERY = re.compile(r"(\bhttps?://[^\s?#\"']*)\?[^\s#\"']*")


class QueryHidden(logging.Filter):
    """Blank the query strings of the URLs httpx logs a line per request with (at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = _QUERY.sub(r"\1?…", message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


class StillRunning(logging.Filter):
    """Drop APScheduler's "skipped: maximum number of running instances reached" warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


class ZonedFormatter(logging.Formatter):
    """Plain text with ISO 8601 times in one named time zone, offset included."""

    def __init__(self, fmt: str, timezone: str = DEFAULT_TIMEZONE) -> None:
        super().__init__(fmt)
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):  # a bad setting must not stop the log
            self.zone = ZoneInfo(DEFAULT_TIMEZONE)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(
            timespec="milliseconds")

    def formatException(self, ei: Any) -> str:
        return scrubbed(super().formatException(ei))


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, message, request id, extras."""

    FIELDS = ("method", "path", "route", "status", "duration_ms", "client")

    def formatException(self, ei: Any) -> str:
        return scrubbed(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str, level: int, timezone: str = DEFAULT_TIMEZONE) -> None:
    """Send every log line to stderr as plain text (in `timezone`) or JSON (in UTC)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else ZonedFormatter(PLAIN, timezone))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines go the same way
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    quiet = level > logging.DEBUG
    for name in CHATTY:  # warnings and errors still come through
        logging.getLogger(name).setLevel(logging.WARNING if quiet else level)
    for name in ("httpx", "httpcore"):  # webhooks and feeds: every level, -v included
        requests = logging.getLogger(name)
        requests.filters[:] = [f for f in requests.filters if not isinstance(f, QueryHidden)]
        requests.addFilter(QueryHidden())
    scheduler = logging.getLogger("apscheduler.scheduler")
    scheduler.filters[:] = [f for f in scheduler.filters if not isinstance(f, StillRunning)]
    if quiet:
        scheduler.addFilter(StillRunning())
