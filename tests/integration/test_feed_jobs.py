"""Feed jobs: one per enabled feed channel, kept in the database across a restart."""

import pickle
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import MetaData, Table, func, select

from tests.feeds.feed_server import FeedServer, stop_server
from tests.support import DATA
from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.models import Channel, FeedEntry, ScanRun, Signal
from warning.feeds.jobs import (
    JOBSTORE,
    feed_job_id,
    register_feed_jobs,
    run_feed_job,
    runtime_key,
    stored_jobs,
)
from warning.runtime import Runtime, build_runtime
from warning.scheduler import FIRST_RUN, build_scheduler


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Run the loopback feed server for this module."""
    srv = FeedServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    stop_server(srv, thread)


def add_feeds(rt: Runtime, feeds: dict[str, tuple[str, int]]) -> None:
    """Sync the test channels plus one feed channel per code -> (URL, interval minutes)."""
    definitions = load_channels(DATA / "channels") + [
        ChannelDefinition.model_validate(
            {"id": code, "name": f"舆情 {code}", "kind": "feed",
             "feed": {"url": url, "interval_minutes": minutes, "timeout_seconds": 2}}
        )
        for code, (url, minutes) in feeds.items()
    ]
    with rt.sessions() as session, session.begin():
        sync_channels(session, definitions)


def started(rt: Runtime) -> BackgroundScheduler:
    """Build a scheduler with the feed jobs and start it paused (nothing runs)."""
    scheduler = BackgroundScheduler(timezone=rt.settings.timezone)
    register_feed_jobs(scheduler, rt)
    scheduler.start(paused=True)
    return scheduler


def backdate(rt: Runtime, job_id: str, when: datetime) -> None:
    """Set a stored job's next run time with no scheduler running."""
    table = Table("apscheduler_jobs", MetaData(), autoload_with=rt.engine)
    with rt.engine.begin() as conn:
        state = pickle.loads(conn.scalar(select(table.c.job_state).where(table.c.id == job_id)))
        state["next_run_time"] = when
        conn.execute(
            table.update().where(table.c.id == job_id)
            .values(job_state=pickle.dumps(state), next_run_time=when.timestamp())
        )


def count(rt: Runtime, model: type) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_restart_keeps_the_schedule(runtime: Runtime, server: FeedServer) -> None:
    add_feeds(runtime, {"news": (f"{server.base_url}/rss_utf8.xml", 30)})
    first = started(runtime)
    job = first.get_job(feed_job_id("news"), JOBSTORE)
    assert job is not None and job.args == ("news", runtime_key(runtime))
    next_run = job.next_run_time
    first.shutdown(wait=False)

    again = build_runtime(runtime.settings)
    try:
        second = started(again)
        job = second.get_job(feed_job_id("news"), JOBSTORE)
        assert job is not None and job.next_run_time == next_run
        assert job.trigger.interval.total_seconds() == 30 * 60
        second.shutdown(wait=False)
    finally:
        again.close()
    assert set(stored_jobs(runtime)) == {feed_job_id("news")}


def test_changed_interval_reschedules_and_removed_channel_loses_its_job(
    runtime: Runtime, server: FeedServer
) -> None:
    url = f"{server.base_url}/rss_utf8.xml"
    add_feeds(runtime, {"a": (url, 30), "b": (url, 60)})
    first = started(runtime)
    assert {j.id for j in first.get_jobs(JOBSTORE)} == {"feed:a", "feed:b"}
    first.shutdown(wait=False)

    add_feeds(runtime, {"a": (url, 5)})  # b's file is gone: its channel is disabled
    second = started(runtime)
    jobs = second.get_jobs(JOBSTORE)
    assert [j.id for j in jobs] == ["feed:a"]
    assert jobs[0].trigger.interval.total_seconds() == 5 * 60
    second.shutdown(wait=False)
    assert set(stored_jobs(runtime)) == {"feed:a"}


def test_job_scans_and_seen_entries_survive_a_restart(
    runtime: Runtime, server: FeedServer
) -> None:
    add_feeds(runtime, {"news": (f"{server.base_url}/rss_utf8.xml", 30)})
    scheduler = started(runtime)
    scheduler.shutdown(wait=False)
    run_feed_job("news", runtime_key(runtime))
    assert count(runtime, FeedEntry) == 3

    again = build_runtime(runtime.settings)
    try:
        scheduler = started(again)
        scheduler.shutdown(wait=False)
        run_feed_job("news", runtime_key(again))
    finally:
        again.close()
    with runtime.sessions() as session:
        logged = session.scalars(select(ScanRun).order_by(ScanRun.id)).all()
        row = session.scalars(select(Channel).where(Channel.code == "news")).one()
    assert [(r.trigger, r.new) for r in logged] == [("schedule", 3), ("schedule", 0)]
    assert count(runtime, FeedEntry) == 3
    assert row.last_run_at is not None and row.last_status == "ok"
    assert count(runtime, Signal) == 0  # the test directory names nobody in this feed


def test_job_without_a_registered_runtime_says_so() -> None:
    with pytest.raises(RuntimeError, match="register_feed_jobs"):
        run_feed_job("news", "no-such-runtime")


def test_gone_channel_gets_no_job(runtime: Runtime, server: FeedServer) -> None:
    add_feeds(runtime, {"gone": (f"{server.base_url}/gone.xml", 30)})
    scheduler = started(runtime)
    assert [j.id for j in scheduler.get_jobs(JOBSTORE)] == ["feed:gone"]
    scheduler.shutdown(wait=False)
    run_feed_job("gone", runtime_key(runtime))  # answers 410: the channel is marked gone
    scheduler = started(runtime)
    assert scheduler.get_jobs(JOBSTORE) == []
    scheduler.shutdown(wait=False)


def test_run_missed_while_down_happens_at_start(runtime: Runtime, server: FeedServer) -> None:
    add_feeds(runtime, {"news": (f"{server.base_url}/rss_utf8.xml", 60)})
    started(runtime).shutdown(wait=False)
    missed = datetime.now(UTC) - timedelta(minutes=5)
    backdate(runtime, feed_job_id("news"), missed)  # as if the process was down at that time

    scheduler = BackgroundScheduler(timezone=runtime.settings.timezone)
    register_feed_jobs(scheduler, runtime)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while count(runtime, ScanRun) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert count(runtime, ScanRun) == 1
    next_run = stored_jobs(runtime)[feed_job_id("news")][0]
    assert next_run is not None and next_run > datetime.now(UTC) + timedelta(minutes=50)


def test_hanging_feeds_never_hold_back_the_other_jobs(
    runtime: Runtime, server: FeedServer
) -> None:
    # Feed jobs ran on the scheduler's one pool of 10 threads: a dozen feeds that hang
    # until their timeout (or a thousand feeds due at once when an instance becomes
    # leader) queued notice delivery, retries and the overdue scan behind them, and
    # APScheduler skipped those runs as missed.
    add_feeds(runtime, {f"hang{n}": (f"{server.base_url}/hang", 1) for n in range(14)})
    scheduler = build_scheduler(runtime)
    scheduler.reschedule_job("notify-deliver", trigger="interval", seconds=1)
    events: list[tuple[str, int]] = []
    scheduler.add_listener(
        lambda event: events.append((event.job_id, event.code)),
        EVENT_JOB_MISSED | EVENT_JOB_EXECUTED,
    )
    now = datetime.now(UTC)
    for n in range(14):
        scheduler.modify_job(feed_job_id(f"hang{n}"), JOBSTORE, next_run_time=now)
    for job_id in FIRST_RUN:  # due now again: the writes above take seconds on PostgreSQL
        scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
    scheduler.start()
    try:
        time.sleep(4)
    finally:
        scheduler.shutdown(wait=False)
        server.release.set()
    missed = [job for job, code in events if code == EVENT_JOB_MISSED]
    delivered = [job for job, code in events if job == "notify-deliver"]
    assert not missed, missed
    assert len(delivered) >= 3, events


def test_a_service_job_due_while_the_process_was_held_up_runs_once_late(
    runtime: Runtime,
) -> None:
    # A run more than APScheduler's default 1 s late (a loaded machine, a slow start) was
    # skipped as missed: the overdue scan and the hourly purges then waited a whole interval.
    scheduler = build_scheduler(runtime)
    events: list[tuple[str, int]] = []
    scheduler.add_listener(lambda event: events.append((event.job_id, event.code)),
                           EVENT_JOB_MISSED | EVENT_JOB_EXECUTED)
    late = datetime.now(UTC) - timedelta(seconds=30)
    for job_id in (*FIRST_RUN, "purge-expired-tokens"):
        scheduler.modify_job(job_id, next_run_time=late)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not {
            "handling-scan-overdue", "purge-expired-tokens"
        } <= {job for job, code in events if code == EVENT_JOB_EXECUTED}:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=False)
    assert [job for job, code in events if code == EVENT_JOB_MISSED] == []
    ran = [job for job, code in events if code == EVENT_JOB_EXECUTED]
    assert ran.count("handling-scan-overdue") == 1 and ran.count("purge-expired-tokens") == 1
