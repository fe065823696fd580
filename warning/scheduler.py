"""The in-process scheduler (APScheduler) and the jobs it runs."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from warning.feeds.jobs import register_feed_jobs
from warning.handling.overdue import register_jobs
from warning.notify.channels import NotifyConfig
from warning.notify.worker import deliver_once
from warning.review.snapshots import store_finished_quarter
from warning.runtime import Runtime

log = logging.getLogger(__name__)


def notify_config(runtime: Runtime) -> NotifyConfig:
    """Build the notice delivery settings from the service settings."""
    settings = runtime.settings
    offices = tuple(a.strip() for a in settings.office_emails.split(",") if a.strip())
    return NotifyConfig(
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        sender=settings.mail_sender,
        office_emails=offices,
        webhooks=dict(settings.webhook_urls),
    )


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """Build a scheduler with the service's jobs; the caller starts it."""
    scheduler = BackgroundScheduler(timezone=runtime.settings.timezone)
    scheduler.add_job(
        runtime.intake.retry_failed,
        "interval",
        minutes=1,
        id="retry-failed-signals",
        max_instances=1,
        coalesce=True,
    )
    config = notify_config(runtime)
    register_jobs(
        scheduler, runtime.sessions, deliver=lambda: deliver_once(runtime.sessions, config)
    )
    register_feed_jobs(scheduler, runtime)
    # Daily, so a service that was down when a quarter ended still stores it the next day;
    # the snapshot's unique key makes every run after the first a no-op.
    scheduler.add_job(
        store_finished_quarter, "cron", hour=0, minute=15, args=[runtime.sessions],
        kwargs={"timezone": runtime.settings.timezone}, id="review-store-finished-quarter",
        max_instances=1, coalesce=True, replace_existing=True,
    )
    return scheduler
