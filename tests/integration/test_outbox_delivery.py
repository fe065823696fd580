"""Notices reach a real SMTP server and a real webhook; a failing webhook spares the mail."""

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.db.models import Delivery, User
from warning.notify.channels import NotifyConfig
from warning.notify.outbox import delivery_states
from warning.notify.worker import DeliveryRun, backoff, deliver_once
from warning.ops.job_log import delivered


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # Controller cannot self-check on port 0: pick a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def hook() -> Iterator[tuple[list[dict], str]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path.startswith("/fail"):
                self.send_response(500)
                self.end_headers()
                return
            received.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_mail_and_webhook_arrive(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], smtp, hook
) -> None:
    inbox, port = smtp
    received, base = hook
    world = build_world(session_factory)
    new_warning(session_factory, world)
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port,
                          webhooks={"department:A": f"{base}/ok"})
    run = deliver_once(session_factory, config)
    assert (run.expanded, run.sent, run.failed) == (1, 2, 0)
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["handler_a@example.cn"]
    assert str(message["Subject"]).startswith("【廉政风险预警下达】采购中心")
    assert "物资采购中串通投标" in _text(message)
    [payload] = received
    assert payload["msgtype"] == "text" and "物资采购中串通投标" in payload["text"]["content"]
    for text in (_text(message), payload["text"]["content"]):
        assert "举报人" not in text and "13800000000" not in text
    assert deliver_once(session_factory, config).sent == 0  # nothing sent twice


def test_failing_webhook_does_not_stop_the_mail(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], smtp, hook
) -> None:
    inbox, port = smtp
    _, base = hook
    world = build_world(session_factory)
    new_warning(session_factory, world)
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, webhooks={"*": f"{base}/fail"},
                          max_attempts=2, backoff_base_seconds=60)
    now = datetime.now(UTC)
    run = deliver_once(session_factory, config, now=now)
    assert (run.sent, run.retried) == (1, 1) and len(inbox.messages) == 1
    with session_factory() as session:
        states = {s.channel: s for s in delivery_states(session)}
    assert states["email"].status == "sent"
    webhook = states["webhook"]
    assert (webhook.status, webhook.attempts) == ("pending", 1) and "500" in webhook.last_error
    assert webhook.next_attempt_at == now + timedelta(seconds=60)
    assert deliver_once(session_factory, config, now=now).retried == 0  # not due yet
    run = deliver_once(session_factory, config, now=now + timedelta(seconds=61))
    assert run.failed == 1
    with session_factory() as session:
        failed = session.scalars(select(Delivery).where(Delivery.status == "failed")).all()
        assert [d.channel for d in failed] == ["webhook"]
    assert len(inbox.messages) == 1


def test_backoff_doubles_and_is_capped() -> None:
    config = NotifyConfig(backoff_base_seconds=30, backoff_cap_seconds=100)
    assert [backoff(config, n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_a_notice_nobody_can_receive_is_counted_and_said(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], smtp, caplog: pytest.LogCaptureFixture
) -> None:
    """A department whose handlers have no e-mail (and no webhook): say so, in Chinese."""
    _, port = smtp
    world = build_world(session_factory)
    with session_factory() as session, session.begin():
        session.execute(update(User).values(email=""))
    new_warning(session_factory, world)
    with caplog.at_level(logging.WARNING, logger="warning.notify.worker"):
        run = deliver_once(session_factory, NotifyConfig(smtp_host="127.0.0.1", smtp_port=port))
    assert (run.expanded, run.unrouted, run.sent) == (1, 1, 0)
    assert "1 条新通知无接收渠道" in caplog.text and "--email" in caplog.text
    assert "其中 1 条无接收渠道" in delivered(run)
    assert "无接收渠道" not in delivered(DeliveryRun(expanded=1, sent=1))


def test_a_failing_webhook_keeps_its_robot_key_out_of_the_error_and_the_log(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], hook
) -> None:
    """The robot key is in the webhook's query string: the 通知投递 page shows a delivery's
    last error, and the service's log (text or JSON, at INFO) goes to whoever runs it."""
    import io

    from warning.ops.logs import configure_logging

    _, base = hook
    world = build_world(session_factory)
    new_warning(session_factory, world)
    key = "ROBOTKEY0123456789"
    config = NotifyConfig(webhooks={"department:A": f"{base}/fail?access_token={key}"})
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    for days, log_format in enumerate(("text", "json")):
        configure_logging(log_format, logging.INFO)
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        try:
            run = deliver_once(session_factory, config,
                               now=datetime.now(UTC) + timedelta(days=days))
        finally:
            root.handlers[:], _ = kept[0], root.setLevel(kept[1])
        assert run.retried >= 1
        assert "HTTP Request" in stream.getvalue() and key not in stream.getvalue()
    with session_factory() as session:
        errors = [d.last_error for d in delivery_states(session) if d.channel == "webhook"]
    assert errors and all("500" in e and key not in e for e in errors), errors
