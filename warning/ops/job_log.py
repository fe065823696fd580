"""Scheduled jobs speak in words: one named line when a job did something or failed, else none.

APScheduler's own per-run lines ("Running job ...", "... executed successfully") are
silenced in `warning.ops.logs`; a job that found nothing to do writes nothing, so an idle
service's log stays empty instead of gaining a line every 30 s.
"""

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from warning.handling.overdue import ScanResult
from warning.notify.worker import DeliveryRun
from warning.services.retry import RetryRun

log = logging.getLogger("qingfeng.jobs")
T = TypeVar("T")

# Job id -> the name the log (and APScheduler's job list) shows.
NAMES = {
    "retry-failed-signals": "重新研判未完成的信号 (retry signals)",
    "handling-scan-overdue": "逾期提醒与升级 (escalate overdue records)",
    "notify-deliver": "发送通知 (deliver notices)",
    "purge-expired-tokens": "清理过期登录 (purge expired sign-ins)",
    "purge-security-records": "清理过期安全日志 (prune the security log)",
    "review-store-finished-quarter": "保存上季度评估 (store last quarter's review)",
    "search-index-signals": "更新搜索索引 (index new signals for search)",
}


def feed_job_name(channel_code: str) -> str:
    """Return the name of a feed channel's scan job."""
    return f"扫描订阅源 {channel_code} (scan feed {channel_code})"


def report(name: str, words: str, started: float) -> None:
    """Log what a job did, if anything, with its name and how long it took."""
    if words:
        log.info("%s: %s (%.1f s)", name, words, time.monotonic() - started)


def named(job_id: str, run: Callable[..., T], describe: Callable[[T], str]) -> Callable[..., None]:
    """Wrap a job: log its result in words under its name when it did something, or its failure.

    A failure is logged here with the job's name and not raised again: APScheduler would log
    it a second time under the function's name, and the next run retries anyway.
    """
    name = NAMES[job_id]

    def job(*args: Any, **kwargs: Any) -> None:
        started = time.monotonic()
        try:
            result = run(*args, **kwargs)
        except Exception:
            log.exception("%s: 失败 (failed); the next run tries again", name)
            return
        report(name, describe(result), started)

    job.__name__ = job.__qualname__ = job_id.replace("-", "_")
    return job


def retried(run: RetryRun) -> str:
    """Describe a retry run; nothing tried says nothing."""
    if not run.tried:
        return ""
    return f"重新研判 {run.tried} 条信号，失败 {run.failed} 条 (signals tried {run.tried}, " \
           f"failed {run.failed})"


def scanned(result: ScanResult) -> str:
    """Describe an overdue scan; no reminder and no escalation says nothing."""
    escalated = {level: n for level, n in sorted(result.escalated.items()) if n}
    if not result.reminded and not escalated:
        return ""
    parts = [f"到期提醒 {result.reminded} 件"] if result.reminded else []
    parts += [f"升级第 {level} 级 {n} 件" for level, n in escalated.items()]
    levels = ", ".join(f"level {level}: {n}" for level, n in escalated.items()) or "0"
    return "，".join(parts) + f" (reminders {result.reminded}, escalations {levels})"


def delivered(run: DeliveryRun) -> str:
    """Describe a delivery pass; nothing expanded or tried says nothing."""
    if not (run.expanded or run.sent or run.retried or run.failed):
        return ""
    nowhere = f" (其中 {run.unrouted} 条无接收渠道)" if run.unrouted else ""
    return (f"新通知 {run.expanded} 条{nowhere}，发出 {run.sent} 条，稍后重试 {run.retried} 条，"
            f"放弃 {run.failed} 条 (notices {run.expanded}, no recipient {run.unrouted}, "
            f"sent {run.sent}, retry later {run.retried}, failed {run.failed})")


def purged(count: int) -> str:
    """Describe a purge of sign-ins and tokens."""
    return f"清理过期登录与令牌 {count} 个 (purged {count})" if count else ""


def pruned(count: int) -> str:
    """Describe a prune of old security-log rows and failed sign-ins."""
    return f"删除过期的安全日志与失败登录记录 {count} 条 (pruned {count})" if count else ""


def stored_review(stored: bool) -> str:
    """Describe the quarterly snapshot job."""
    return "已保存上季度评估快照 (stored the finished quarter's review)" if stored else ""


def indexed(count: int) -> str:
    """Describe a search-index run; no new signal says nothing."""
    return f"搜索索引新增 {count} 条信号 (indexed {count} signals)" if count else ""
