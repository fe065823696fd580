"""A delivery run that lasts: each batch is leased from when it is claimed, not from the
run's start, so another deliverer never takes a delivery this one is still sending."""

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.notify import worker
from warning.notify.channels import NotifyConfig

LEASE = 5.5  # the least a run may send under: the send timeout plus 5 s of margin


def test_a_slow_run_does_not_let_a_second_deliverer_send_again(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    new_warning(session_factory, world)
    config = NotifyConfig(smtp_host="127.0.0.1", batch_size=1, lease_seconds=LEASE,
                          timeout_seconds=0.1)
    started = time.monotonic()
    sent: list[str] = []

    def slow_mail(config: NotifyConfig, to: str, subject: str, body: str, key: str) -> None:
        sent.append(key)
        if len(sent) == 1:
            time.sleep(1.0)  # a slow mail server: the second batch is claimed a second late
        elif len(sent) == 2:
            # the second batch's lease, if taken from the run's start, has run out now
            time.sleep(max(0.0, started + LEASE + 0.2 - time.monotonic()))
            with monkeypatch.context() as other:  # another instance's deliverer
                other.setattr(worker, "process_owner", lambda: "other-host:1:x")
                worker.deliver_once(session_factory, config, now=datetime.now(UTC))

    monkeypatch.setitem(worker.SENDERS, "email", slow_mail)
    worker.deliver_once(session_factory, config, now=datetime.now(UTC))
    assert len(sent) == 2 and len(set(sent)) == 2, sent  # each delivery sent once
