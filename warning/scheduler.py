"""The in-process scheduler (APScheduler) and the jobs it runs."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from warning.runtime import Runtime

log = logging.getLogger(__name__)


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """Build a scheduler with the service's jobs; the caller starts it."""
    scheduler = BackgroundScheduler(timezone=runtime.settings.timezone)
    scheduler.add_job(
        runtime.intake.retry_failed, "interval", minutes=1, id="retry-failed-signals",
        max_instances=1, coalesce=True,
    )
    return scheduler
