"""The in-process scheduler (APScheduler) and the jobs it runs.

Only the leader instance runs it (warning.leadership). Each job runs once as soon as the
scheduler starts, so a new leader catches up at once, then at its interval.
"""

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from warning.feeds.jobs import register_feed_jobs
from warning.handling.overdue import register_jobs
from warning.notify.channels import NotifyConfig
from warning.notify.worker import deliver_once
from warning.ops.purge import purge_expired_tokens, purge_security_records
from warning.review.snapshots import store_finished_quarter
from warning.runtime import Runtime
from warning.services.retry import retry_due

log = logging.getLogger(__name__)
FIRST_RUN = ("retry-failed-signals", "handling-scan-overdue", "notify-deliver")


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
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    scheduler.add_job(
        retry_due,
        "interval",
        args=[runtime.intake],
        kwargs={"budget_s": settings.retry_seconds * 0.75},
        seconds=settings.retry_seconds,
        id="retry-failed-signals",
        max_instances=1,
        coalesce=True,
    )
    config = notify_config(runtime)
    register_jobs(
        scheduler, runtime.sessions, minutes=settings.overdue_scan_seconds / 60,  # type: ignore[arg-type]
        deliver=lambda: deliver_once(runtime.sessions, config),
        deliver_seconds=settings.deliver_seconds,  # type: ignore[arg-type]
    )
    register_feed_jobs(scheduler, runtime)
    scheduler.add_job(purge_expired_tokens, "interval", hours=1, args=[runtime.sessions],
                      id="purge-expired-tokens", max_instances=1, coalesce=True)
    scheduler.add_job(
        purge_security_records, "interval", hours=1, args=[runtime.sessions],
        kwargs={"log_days": settings.security_log_days,
                "failure_window": max(timedelta(minutes=settings.login_window_minutes),
                                      timedelta(days=1))},
        id="purge-security-records", max_instances=1, coalesce=True)
    # Daily, so a service that was down when a quarter ended still stores it the next day;
    # the snapshot's unique key makes every run after the first a no-op.
    scheduler.add_job(
        store_finished_quarter, "cron", hour=0, minute=15, args=[runtime.sessions],
        kwargs={"timezone": runtime.settings.timezone}, id="review-store-finished-quarter",
        max_instances=1, coalesce=True, replace_existing=True,
    )
    now = datetime.now(UTC)
    for job_id in FIRST_RUN:
        scheduler.modify_job(job_id, next_run_time=now)
    return scheduler
