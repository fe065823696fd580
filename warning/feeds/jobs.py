"""One APScheduler interval job per enabled feed channel, kept in the project database.

Jobs live in an SQLAlchemyJobStore (table `apscheduler_jobs`), so schedules and next-run
times survive a restart. A job's arguments are only the channel code and a key naming the
runtime registered in this process at start: no engine or settings are pickled, and no
database password is written into the job table.
"""

import contextlib
import hashlib
import logging
import pickle
import time
from datetime import datetime, timedelta

from apscheduler.executors.base import BaseExecutor
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from sqlalchemy import Column, Float, LargeBinary, MetaData, Table, Unicode, inspect, select

from warning.db.engine import make_engine
from warning.feeds.channels import enabled_feed_channels, feed_settings
from warning.feeds.service import FeedChannelNotFound, ScanTotals, scan_now
from warning.ops.job_log import feed_job_name, report
from warning.runtime import Runtime

log = logging.getLogger(__name__)
JOBSTORE = "feeds"
TABLE = "apscheduler_jobs"
JOB_PREFIX = "feed:"
# Feed scans run on threads of their own: sharing the scheduler's pool, a dozen feeds
# hanging until their timeout made APScheduler skip notice delivery and retries as missed.
# A hanging feed holds one of these threads for at most its timeout.
EXECUTOR = "feeds"
FEED_THREADS = 6
_runtimes: dict[str, Runtime] = {}


def feed_job_id(channel_code: str) -> str:
    """Return the scheduler job id of a feed channel."""
    return f"{JOB_PREFIX}{channel_code}"


def runtime_key(runtime: Runtime) -> str:
    """Name a runtime by a hash of its database URL (never the URL itself)."""
    url = runtime.engine.url.render_as_string(hide_password=False)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def register_runtime(runtime: Runtime) -> str:
    """Make the runtime available to feed jobs run in this process; return its key."""
    key = runtime_key(runtime)
    _runtimes[key] = runtime
    return key


def run_feed_job(channel_code: str, key: str) -> None:
    """Scan one feed channel on schedule, with the runtime registered under `key`.

    Logs one line in words when the scan found something new, failed or backed off;
    a scan that found nothing new logs nothing (warning.ops.job_log).
    """
    name = feed_job_name(channel_code)
    started = time.monotonic()
    runtime = _runtimes.get(key)
    if runtime is None:
        raise RuntimeError(
            f"订阅源任务 {channel_code} 找不到运行环境 (no runtime registered; "
            "call register_feed_jobs at start)"
        )
    try:
        totals = scan_now(runtime, channel_code, trigger="schedule", backoff=True)
    except FeedChannelNotFound:
        log.warning("%s: 该渠道已停用，任务将被移除 (channel no longer enabled; its job will be "
                    "removed)", name)
        return
    report(name, scan_words(totals), started)


def scan_words(totals: ScanTotals) -> str:
    """Describe a scheduled scan; nothing new, no error and no backoff says nothing."""
    if not (totals.new or totals.signals or totals.errors or totals.backed_off):
        return ""
    return (f"新条目 {totals.new} 条，相关 {totals.relevant} 条，登记信号 {totals.signals} 条，"
            f"出错 {totals.errors} 次，退避 {totals.backed_off} 次 (new={totals.new} "
            f"relevant={totals.relevant} signals={totals.signals} errors={totals.errors} "
            f"backed_off={totals.backed_off})")


def feed_executor() -> dict[str, BaseExecutor]:
    """Return the feed jobs' own thread pool, by the name their jobs give."""
    return {EXECUTOR: ThreadPoolExecutor(FEED_THREADS)}


def register_feed_jobs(scheduler: BaseScheduler, runtime: Runtime) -> list[str]:
    """Add or update a job per enabled, not gone feed channel, remove the rest; return ids."""
    key = register_runtime(runtime)
    url = runtime.engine.url.render_as_string(hide_password=False)
    with contextlib.suppress(ValueError):  # the scheduler was built with it
        scheduler.add_executor(feed_executor()[EXECUTOR], alias=EXECUTOR)
    with contextlib.suppress(ValueError):  # already added by an earlier call
        # Its own engine: the scheduler disposes the store's engine when it shuts down.
        scheduler.add_jobstore(SQLAlchemyJobStore(engine=make_engine(url)), alias=JOBSTORE)
    with runtime.sessions() as session:
        wanted: dict[str, int] = {}
        for row in enabled_feed_channels(session):
            settings = feed_settings(row)
            if settings is not None and not row.gone:  # a gone feed is never fetched again
                wanted[feed_job_id(row.code)] = settings.interval_minutes
    codes = {job_id: job_id.removeprefix(JOB_PREFIX) for job_id in wanted}
    stored = stored_jobs(runtime)
    for job_id, minutes in wanted.items():
        kept: dict[str, datetime] = {}
        previous = stored.get(job_id)
        if previous and previous[1] == timedelta(minutes=minutes) and previous[0] is not None:
            kept["next_run_time"] = previous[0]  # keep the schedule across restarts
        scheduler.add_job(
            run_feed_job,
            "interval",
            minutes=minutes,
            id=job_id,
            name=feed_job_name(codes[job_id]),
            args=[codes[job_id], key],
            jobstore=JOBSTORE,
            executor=EXECUTOR,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **kept,
        )
    for job_id in stored.keys() - wanted.keys():
        _remove(scheduler, runtime, job_id)
    return sorted(wanted)


def _jobs_table() -> Table:
    return Table(
        TABLE,
        MetaData(),
        Column("id", Unicode(191), primary_key=True),
        Column("next_run_time", Float(25), index=True),
        Column("job_state", LargeBinary, nullable=False),
    )


def stored_jobs(runtime: Runtime) -> dict[str, tuple[datetime | None, timedelta | None]]:
    """Read the feed jobs in the job table: id -> (next run time, interval)."""
    table = _jobs_table()
    with runtime.engine.connect() as conn:
        if not inspect(conn).has_table(TABLE):
            return {}
        rows = conn.execute(
            select(table.c.id, table.c.job_state).where(table.c.id.startswith(JOB_PREFIX))
        ).all()
    found: dict[str, tuple[datetime | None, timedelta | None]] = {}
    for job_id, blob in rows:
        try:
            state = pickle.loads(blob)
        except Exception:
            found[job_id] = (None, None)
            continue
        interval = getattr(state.get("trigger"), "interval", None)
        found[job_id] = (state.get("next_run_time"), interval)
    return found


def _remove(scheduler: BaseScheduler, runtime: Runtime, job_id: str) -> None:
    """Remove a removed or disabled channel's job, running scheduler or not."""
    if scheduler.state != STATE_STOPPED:
        try:
            scheduler.remove_job(job_id, JOBSTORE)
            return
        except LookupError:
            pass
    table = _jobs_table()
    with runtime.engine.begin() as conn:
        conn.execute(table.delete().where(table.c.id == job_id))
