"""Exactly one instance runs the scheduled jobs: the holder of the `scheduler` lease.

Every `qingfeng serve` runs a SchedulerLeader. It tries to take (or renews) the lease every
`scheduler_renew_seconds`; while it holds the lease it runs the APScheduler scheduler, and
when it loses the lease (or cannot reach the database for the lease's length) it stops the
scheduler. A leader that dies stops renewing: within `scheduler_lease_seconds` plus one
renewal another instance takes over and runs every job at once. Each job is safe to run
twice anyway (claims, unique keys), which covers the moment of a handover.

The lease goes through an engine of its own with one connection: requests that keep every
pooled connection busy (a burst, a slow database) must not make the leader miss a renewal
and hand the jobs over.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler

from warning.db.claims import process_owner
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.leases import hold, release
from warning.runtime import Runtime

log = logging.getLogger(__name__)
LEASE = "scheduler"


class SchedulerLeader:
    """Run the scheduler in this process while it holds the scheduler lease."""

    def __init__(
        self, runtime: Runtime, build: Callable[[Runtime], BaseScheduler], *,
        exclusive: bool = False,
    ) -> None:
        self._runtime = runtime
        self._build = build
        self._exclusive = exclusive  # a file lock already proves no other holder lives
        self._owner = process_owner()
        self._engine = make_engine(runtime.settings.database_url, pool_size=1, max_overflow=1)
        self._sessions = make_sessionmaker(self._engine)
        self._lease_s = runtime.settings.scheduler_lease_seconds
        self._renew_s = min(runtime.settings.scheduler_renew_seconds, self._lease_s / 2)
        self._valid_until = 0.0
        self._scheduler: BaseScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        """Whether this process holds the lease now."""
        return time.monotonic() < self._valid_until

    def start(self) -> None:
        """Try for the lease now, then keep trying or renewing in a thread."""
        self.tick()
        self._thread = threading.Thread(target=self._run, name="scheduler-leader", daemon=True)
        self._thread.start()

    def tick(self) -> None:
        """Take or renew the lease once; start or stop the scheduler to match."""
        started = time.monotonic()
        try:
            held = hold(self._sessions, LEASE, self._owner, self._lease_s,
                        datetime.now(UTC), force=self._exclusive)
        except Exception:
            log.exception("scheduler lease: database unreachable")
            held = None  # unknown: keep leading until the lease surely ran out
        if held:
            self._valid_until = started + self._lease_s
        elif held is False:
            self._valid_until = 0.0
        if self.leading and self._scheduler is None:
            log.info("this instance (%s) now runs the scheduled jobs", self._owner)
            self._scheduler = self._build(self._runtime)
            self._scheduler.start()
        elif not self.leading and self._scheduler is not None:
            log.warning("scheduler lease lost; this instance stops the scheduled jobs")
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def _run(self) -> None:
        while not self._stop.wait(self._renew_s):
            self.tick()

    def stop(self) -> None:
        """Stop the scheduler and give the lease up for another instance."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._valid_until:
            try:
                release(self._sessions, LEASE, self._owner)
            except Exception:
                log.exception("could not release the scheduler lease")
        self._valid_until = 0.0
        self._engine.dispose()
