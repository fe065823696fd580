"""The in-process scheduler (APScheduler) and the jobs it runs.

Only the leader instance runs it (warning.leadership). Each job runs once as soon as the
scheduler starts, so a new leader catches up at once, then at its interval. Each job has a
name and logs one line in words when it did something or failed (warning.ops.job_log).
"""

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from warning.feeds.jobs import feed_executor, register_feed_jobs
from warning.handling.overdue import run_scan
from warning.notify.channels import NotifyConfig
from warning.notify.worker import deliver_once
from warning.ops.job_log import (
    NAMES,
    delivered,
    indexed,
    named,
    pruned,
    purged,
    retried,
    scanned,
    stored_review,
)
from warning.ops.purge import purge_expired_tokens, purge_security_records
from warning.queries.search_index import index_new_signals
from warning.review.snapshots import store_finished_quarter
from warning.runtime import Runtime
from warning.services.retry import retry_due

log = logging.getLogger(__name__)
# The service's own jobs, at most one run each at a time, never wait for one another;
# feed scans have their own threads (warning.feeds.jobs), so a thousand feeds due at once
# or a dozen hanging until their timeout never queue delivery, retries or the overdue scan.
CORE_THREADS = 8
FIRST_RUN = ("retry-failed-signals", "handling-scan-overdue", "notify-deliver",
             "search-index-signals")
# SQLite's search index takes new signals in batches (migration 0009a); the search reads
# what it has not taken yet with LIKE, ~1 ms per 1,000 signals. Nothing on PostgreSQL.
SEARCH_INDEX_SECONDS = 60


def notify_config(runtime: Runtime) -> NotifyConfig:
    """Build the notice delivery settings from the service settings."""
    settings = runtime.settings
    offices = tuple(a.strip() for a in settings.office_emails.split(",") if a.strip())
    return NotifyConfig(
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        smtp_user=settings.smtp_user,
        smtp_password=settings.smtp_password.get_secret_value(),
        smtp_starttls=settings.smtp_starttls,
        smtp_ssl=settings.smtp_ssl,
        smtp_ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        timeout_seconds=settings.smtp_timeout,
        sender=settings.mail_sender,
        office_emails=offices,
        webhooks=dict(settings.webhook_urls),
        lease_seconds=settings.delivery_lease_seconds,
    )


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """Build a scheduler with the service's jobs; the caller starts it."""
    settings = runtime.settings
    scheduler = BackgroundScheduler(
        timezone=settings.timezone,
        executors={"default": ThreadPoolExecutor(CORE_THREADS), **feed_executor()},
    )
    # A run due while the process was held up (a load spike, a slow start, a long GC) runs
    # once when it can, however late: APScheduler's default skips a run late by more
    # than 1 s, and an hourly job then waited another hour.
    options = {"max_instances": 1, "coalesce": True, "replace_existing": True,
               "misfire_grace_time": None}
    scheduler.add_job(
        named("retry-failed-signals", retry_due, retried), "interval",
        args=[runtime.intake], kwargs={"budget_s": settings.retry_seconds * 0.75},
        seconds=settings.retry_seconds, id="retry-failed-signals",
        name=NAMES["retry-failed-signals"], **options,
    )
    scheduler.add_job(
        named("handling-scan-overdue", run_scan, scanned), "interval", args=[runtime.sessions],
        seconds=settings.overdue_scan_seconds, id="handling-scan-overdue",
        name=NAMES["handling-scan-overdue"], **options,
    )
    config = notify_config(runtime)
    scheduler.add_job(
        named("notify-deliver", deliver_once, delivered), "interval",
        args=[runtime.sessions, config], seconds=settings.deliver_seconds, id="notify-deliver",
        name=NAMES["notify-deliver"], **options,
    )
    register_feed_jobs(scheduler, runtime)
    scheduler.add_job(
        named("search-index-signals", index_new_signals, indexed), "interval",
        args=[runtime.sessions], seconds=SEARCH_INDEX_SECONDS, id="search-index-signals",
        name=NAMES["search-index-signals"], **options,
    )
    scheduler.add_job(
        named("purge-expired-tokens", purge_expired_tokens, purged), "interval", hours=1,
        args=[runtime.sessions], id="purge-expired-tokens",
        name=NAMES["purge-expired-tokens"], **options,
    )
    scheduler.add_job(
        named("purge-security-records", purge_security_records, pruned), "interval", hours=1,
        args=[runtime.sessions],
        kwargs={"log_days": settings.security_log_days,
                "failure_window": max(timedelta(minutes=settings.login_window_minutes),
                                      timedelta(days=1))},
        id="purge-security-records", name=NAMES["purge-security-records"], **options,
    )
    # Daily, so a service that was down when a quarter ended still stores it the next day;
    # the snapshot's unique key makes every run after the first a no-op.
    scheduler.add_job(
        named("review-store-finished-quarter", store_finished_quarter, stored_review), "cron",
        hour=0, minute=15, args=[runtime.sessions],
        kwargs={"timezone": runtime.settings.timezone}, id="review-store-finished-quarter",
        name=NAMES["review-store-finished-quarter"], **options,
    )
    now = datetime.now(UTC)
    for job_id in FIRST_RUN:
        scheduler.modify_job(job_id, next_run_time=now)
    return scheduler
