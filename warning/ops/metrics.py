"""Prometheus metrics: counts read from the database at scrape time, latencies in process.

Counts come from the database on every scrape, so each of `--workers N` processes answers
the same figures; the latency histograms are per process (each worker its own requests).
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import (
    Channel,
    Delivery,
    HandlingRecord,
    Lease,
    RiskWarning,
    ScanRun,
    Signal,
)
from warning.domain.lifecycle import State

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SCHEDULER_LEASE = "scheduler"  # warning.leadership.LEASE (not imported: it pulls the runtime)
EVALUATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class DatabaseCollector(Collector):
    """Gauges computed from the database when Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        """Yield every gauge, each from one grouped query."""
        with self.sessions() as session:
            yield _signals(session)
            yield _gauge(session, "qingfeng_warnings", "Warnings raised, by response (grade).",
                         ["response"], select(RiskWarning.response, func.count())
                         .group_by(RiskWarning.response))
            yield _gauge(session, "qingfeng_deliveries", "Notice deliveries by channel and state.",
                         ["channel", "status"], select(Delivery.channel, Delivery.status,
                                                       func.count())
                         .group_by(Delivery.channel, Delivery.status))
            yield _gauge(session, "qingfeng_feed_scans", "Feed scans logged, by outcome.",
                         ["outcome"], select(ScanRun.status, func.count())
                         .group_by(ScanRun.status))
            yield from _backlog(session)
            yield from _waiting_and_leader(session)


def _gauge(
    session: Session, name: str, doc: str, labels: list[str], stmt: object
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for *values, count in session.execute(stmt).all():  # type: ignore[call-overload]
        family.add_metric([str(v) for v in values], float(count))
    return family


def _signals(session: Session) -> GaugeMetricFamily:
    """Signals by channel and status: received, evaluated, failed (dead until retried)."""
    return _gauge(session, "qingfeng_signals", "Signals stored, by channel and status.",
                  ["channel", "status"],
                  select(Channel.code, Signal.status, func.count())
                  .join(Channel, Channel.id == Signal.channel_id)
                  .group_by(Channel.code, Signal.status))


def _backlog(session: Session) -> Iterator[GaugeMetricFamily]:
    pending = select(func.count(), func.min(Delivery.next_attempt_at)).where(
        Delivery.status == "pending")
    count, oldest = session.execute(pending).one()
    yield GaugeMetricFamily("qingfeng_outbox_backlog", "Deliveries waiting to be sent.",
                            value=float(count or 0))
    age = 0.0
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    yield GaugeMetricFamily("qingfeng_outbox_oldest_pending_seconds",
                            "Age of the oldest due delivery (0 when none).", value=age)
    overdue = session.scalar(select(func.count()).select_from(HandlingRecord).where(
        HandlingRecord.overdue_level > 0, HandlingRecord.closed_at.is_(None)))
    yield GaugeMetricFamily("qingfeng_overdue_records", "Open handling records past a deadline.",
                            value=float(overdue or 0))


def _waiting_and_leader(session: Session) -> Iterator[GaugeMetricFamily]:
    """Proposals the office has yet to judge, and which instance runs the scheduled jobs."""
    waiting = session.scalar(select(func.count()).select_from(HandlingRecord).where(
        HandlingRecord.state == State.PROPOSED.value))
    yield GaugeMetricFamily("qingfeng_proposals_waiting",
                            "Proposals (待研判) waiting for the office.", value=float(waiting or 0))
    leader = GaugeMetricFamily(
        "qingfeng_scheduler_leader",
        "The instance holding the scheduler lease: 1 while it is valid, 0 once it has lapsed.",
        labels=["owner"])
    lease = session.scalar(select(Lease).where(Lease.name == SCHEDULER_LEASE))
    if lease is not None:
        expires = lease.expires_at if lease.expires_at.tzinfo else lease.expires_at.replace(
            tzinfo=UTC)
        leader.add_metric([lease.owner], float(expires > datetime.now(UTC)))
    yield leader


class Metrics:
    """One process's registry: the database gauges and the HTTP latency histogram."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DatabaseCollector(sessions))
        self.http = Histogram("qingfeng_http_request_seconds",
                              "HTTP request latency by route template, method and status.",
                              ["route", "method", "status"], buckets=HTTP_BUCKETS,
                              registry=self.registry)
        self.evaluation = Histogram("qingfeng_evaluation_seconds",
                                    "Time to evaluate a batch of stored signals and commit.",
                                    buckets=EVALUATION_BUCKETS, registry=self.registry)

    def observe_evaluation(self, seconds: float, signals: int) -> None:
        """Record one evaluated batch (its size is in qingfeng_signals)."""
        self.evaluation.observe(seconds)
