"""One scheduler across instances: a lease in the database (PostgreSQL), a refusal (SQLite)."""

import asyncio
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration import served
from tests.integration.test_handling_fixtures import build_world, bulk_warnings
from warning.db.engine import transaction
from warning.db.leases import hold, holder, release
from warning.db.models import Delivery, HandlingEvent, HandlingRecord
from warning.runtime import Runtime


def test_the_lease_has_one_holder_until_it_lapses(session_factory: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    assert hold(session_factory, "scheduler", "a", 10, now)
    assert not hold(session_factory, "scheduler", "b", 10, now + timedelta(seconds=5))
    assert hold(session_factory, "scheduler", "a", 10, now + timedelta(seconds=5))  # renewed
    assert not hold(session_factory, "scheduler", "b", 10, now + timedelta(seconds=14))
    assert hold(session_factory, "scheduler", "b", 10, now + timedelta(seconds=16))  # lapsed
    assert hold(session_factory, "scheduler", "c", 10, now + timedelta(seconds=17), force=True)
    release(session_factory, "scheduler", "c")
    with session_factory() as session:
        assert holder(session, "scheduler") is None


def test_a_second_service_on_one_sqlite_file_is_refused_naming_the_holder(
    db_url: str, runtime: Runtime, rules_dir: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only: on PostgreSQL instances elect a leader instead")
    port = served.free_port()
    first = served.start(db_url, rules_dir, port)
    try:
        served.wait_ready(first, port)
        second = served.start(db_url, rules_dir, served.free_port(), read_stderr=True)
        _, err = second.communicate(timeout=60)
        message = err.decode()
        assert second.returncode == 1
        database = str(Path(db_url.removeprefix("sqlite:///")).resolve())
        assert database in message and f"进程 {first.pid}" in message
        assert "SQLite" in message and "PostgreSQL" in message
        assert served.alive(first.pid)
        # without the scheduler (the setting, as --no-scheduler) a second one may serve
        port = served.free_port()
        third = served.start(db_url, rules_dir, port, env={"QINGFENG_RUN_SCHEDULER": "false"})
        try:
            served.wait_ready(third, port)
        finally:
            served.kill_group(third)
    finally:
        served.kill_group(first)


class Inbox:
    """An SMTP handler keeping each message's Message-ID."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.005)
        self.ids.append(str(message_from_bytes(envelope.content, policy=policy.default)
                            ["Message-ID"]).strip("<>").split("@")[0])
        return "250 OK"


@pytest.fixture
def receivers() -> Iterator[tuple[Inbox, int, list[str], str]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            keys.append(body["idempotency_key"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield inbox, port, keys, f"http://127.0.0.1:{server.server_address[1]}/robot"
    server.shutdown()
    controller.stop()


def _leader(sessions: sessionmaker[Session]) -> tuple[str, datetime] | None:
    with sessions() as session:
        lease = holder(session, "scheduler")
        return (lease.owner, lease.expires_at) if lease else None


@pytest.mark.slow
def test_three_instances_one_leader_killed_another_takes_over_and_nothing_repeats(
    db_url: str, session_factory: sessionmaker[Session], rules_dir: Path, tmp_path: Path,
    receivers,  # type: ignore[no-untyped-def]
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite serves one instance (see the refusal test)")
    inbox, smtp_port, keys, hook = receivers
    (tmp_path / "channels").mkdir()  # build_world makes its own channel
    world = build_world(session_factory)
    env = {"QINGFENG_SMTP_HOST": "127.0.0.1", "QINGFENG_SMTP_PORT": str(smtp_port),
           "QINGFENG_WEBHOOK_URLS": json.dumps({"*": hook}),
           "QINGFENG_CHANNELS_DIR": str(tmp_path / "channels")}
    ports = [served.free_port() for _ in range(3)]
    instances = [served.start(db_url, rules_dir, port, env=env) for port in ports]
    try:
        for server, port in zip(instances, ports, strict=True):
            served.wait_ready(server, port)
        overdue = datetime.now(UTC) - timedelta(hours=1)
        with transaction(session_factory) as session:
            bulk_warnings(session, world, 30, overdue)
        _wait(lambda: _count(session_factory, Delivery, Delivery.status == "sent") > 0, 30)
        leader = _leader(session_factory)
        assert leader is not None
        dead = leader[0]
        pid = int(dead.split(":")[1])
        assert pid in [s.pid for s in instances]
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        with session_factory() as session:  # what the dead leader was sending
            in_flight = set(session.scalars(select(Delivery.id)
                                            .where(Delivery.lease_owner == dead)))
        with transaction(session_factory) as session:
            bulk_warnings(session, world, 30, overdue)
        _wait(lambda: (_leader(session_factory) or (dead,))[0] != dead, 30)
        assert time.monotonic() - killed_at < 30
        _wait(lambda: _count(session_factory, HandlingRecord,
                             HandlingRecord.overdue_level == 1) == 60, 30)
        _wait(lambda: _count(session_factory, Delivery, Delivery.status != "sent") == 0, 45)
        with session_factory() as session:
            escalations = session.execute(
                select(HandlingEvent.record_id, func.count())
                .where(HandlingEvent.action == "escalate").group_by(HandlingEvent.record_id)).all()
            sent = dict(session.execute(select(Delivery.channel, func.count())
                                        .group_by(Delivery.channel)).all())
        assert len(escalations) == 60 and {n for _, n in escalations} == {1}
        assert len(set(inbox.ids)) == sent["email"] and len(set(keys)) == sent["webhook"]
        repeats = (len(inbox.ids) - len(set(inbox.ids))) + (len(keys) - len(set(keys)))
        assert repeats <= len(in_flight)  # only a send the dead leader made but never recorded
    finally:
        for server in instances:
            served.kill_group(server)


def _count(sessions: sessionmaker[Session], model: type, *where: object) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _wait(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
