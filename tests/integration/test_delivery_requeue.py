"""A delivery given up during a mail outage is sent once the office requeues it.

The worker gives a delivery up after `max_attempts` (six, about 15 minutes with the
default backoff); before `qingfeng notice requeue` nothing could send it again.
"""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from tests.integration.test_outbox_delivery import smtp  # noqa: F401 (fixture)
from warning.cli.main import cli
from warning.db.models import Delivery, Person, User
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


def test_a_notice_that_had_no_recipient_goes_to_the_email_set_later_after_requeue(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], db_url: str, smtp,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Go-live: notices expanded before anyone had an e-mail were 无接收渠道 for ever."""
    inbox, port = smtp
    world = build_world(session_factory)
    with session_factory() as session, session.begin():
        emails = {u.id: u.email for u in session.scalars(select(User))}
        session.execute(update(User).values(email=""))
        session.execute(update(Person).values(email=""))
    new_warning(session_factory, world)
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port)
    run = deliver_once(session_factory, config)
    assert run.expanded >= 1 and run.unrouted == run.expanded and run.sent == 0
    with session_factory() as session, session.begin():
        for user_id, email in emails.items():
            session.execute(update(User).where(User.id == user_id).values(email=email))
    assert deliver_once(session_factory, config).sent == 0  # not by itself: an old notice
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["notice", "requeue"])
    assert result.exit_code == 0 and f"另有 {run.unrouted} 条通知当时无接收渠道" in result.output
    again = deliver_once(session_factory, config)
    assert again.sent >= 1 and len(inbox.messages) == again.sent
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == again.sent
    assert "无接收渠道" not in CliRunner().invoke(cli, ["notice", "requeue"]).output


def test_requeue_sends_to_the_address_set_since_not_the_one_that_failed(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], db_url: str, smtp,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong address is the usual cause a delivery is given up; once the office corrects
    it, `notice requeue` must send to the corrected address, not retry the wrong one."""
    inbox, port = smtp
    world = build_world(session_factory)
    new_warning(session_factory, world)
    down = NotifyConfig(smtp_host="127.0.0.1", smtp_port=_closed_port(), max_attempts=1,
                        timeout_seconds=1)
    assert deliver_once(session_factory, down).failed >= 1
    with session_factory() as session, session.begin():
        given_up = {d.target for d in session.scalars(select(Delivery))}
        session.execute(update(User).where(User.email.in_(given_up))
                        .values(email=User.name + "@corrected.example.cn"))
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["notice", "requeue"])
    assert result.exit_code == 0, result.output
    assert "改投" in result.output, result.output
    with session_factory() as session:
        corrected = sorted(session.scalars(
            select(User.email).where(User.email.like("%@corrected.example.cn"))))
    up = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port)
    assert deliver_once(session_factory, up).sent == len(corrected) >= 1
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == corrected
    with session_factory() as session:
        old = session.scalars(select(Delivery).where(Delivery.target.in_(given_up))).all()
    assert {d.status for d in old} == {"superseded"}  # kept, marked, never retried
    assert CliRunner().invoke(cli, ["notice", "requeue"]).output.startswith("已重新排队 0 条")
