"""A delivery given up during a mail outage is sent once the office requeues it.

The worker gives a delivery up after `max_attempts` (six, about 15 minutes with the
default backoff); before `qingfeng notice requeue` nothing could send it again.
"""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from tests.integration.test_outbox_delivery import smtp  # noqa: F401 (fixture)
from warning.cli.main import cli
from warning.db.models import Delivery
from warning.notify.channels import NotifyConfig
from warning.notify.worker import deliver_once


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_delivery_given_up_in_an_outage_is_sent_after_requeue(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], db_url: str, smtp,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    world = build_world(session_factory)
    new_warning(session_factory, world)
    down = NotifyConfig(smtp_host="127.0.0.1", smtp_port=_closed_port(), max_attempts=2,
                        timeout_seconds=1)
    now = datetime.now(UTC) - timedelta(hours=3)
    deliver_once(session_factory, down, now=now)
    assert deliver_once(session_factory, down, now=now + timedelta(hours=1)).failed == 1
    up = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port)
    assert deliver_once(session_factory, up).sent == 0  # given up: the mail server is back
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["notice", "requeue"])
    assert result.exit_code == 0 and "已重新排队 1 条投递" in result.output, result.output
    assert deliver_once(session_factory, up).sent == 1
    assert len(inbox.messages) == 1
    with session_factory() as session:
        [delivery] = session.scalars(select(Delivery)).all()
    assert (delivery.status, delivery.last_error) == ("sent", "")
    assert CliRunner().invoke(cli, ["notice", "requeue"]).output.startswith("已重新排队 0 条")
