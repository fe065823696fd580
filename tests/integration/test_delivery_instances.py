"""Two delivery processes on one database: every notice reaches SMTP and the webhook once."""

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.stored_secrets import DELIVERY_KEY, stored_secret
from warning.db.engine import transaction
from warning.db.models import Delivery
from warning.notify.channels import NotifyConfig
from warning.notify.outbox import OFFICE, enqueue, notice_key, notice_row
from warning.notify.worker import deliver_once, delivery_key

ROOT = Path(__file__).parents[2]
NOTICES = 80


class SlowInbox:
    """An SMTP handler that keeps each message's Message-ID, a little slowly."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.ids.append(str(message["Message-ID"]))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SlowInbox, int]]:
    inbox = SlowInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def hook() -> Iterator[tuple[list[str], str]]:
    keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            assert body["idempotency_key"] == self.headers["Idempotency-Key"]
            keys.append(body["idempotency_key"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield keys, f"http://127.0.0.1:{server.server_address[1]}/robot"
    server.shutdown()
    server.server_close()


def test_two_processes_deliver_each_notice_exactly_once(  # type: ignore[no-untyped-def]
    db_url: str, session_factory: sessionmaker[Session], smtp, hook
) -> None:
    inbox, port = smtp
    keys, url = hook
    with transaction(session_factory) as session:
        enqueue(session, [notice_row(record_id=None, kind="issued", audience=OFFICE,  # type: ignore[arg-type]
                                     subject=f"通知{n}", body="正文", key=f"test:{n}")
                          for n in range(NOTICES)])
    command = [sys.executable, "-m", "tests.integration.deliverer", db_url, str(port), url]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    sent = [int(w.communicate(timeout=120)[0].split()[-1]) for w in workers]
    assert sum(sent) == 2 * NOTICES and min(sent) > 0, sent  # both took part, none twice
    assert len(inbox.ids) == NOTICES == len(set(inbox.ids))
    assert len(keys) == NOTICES == len(set(keys))
    with session_factory() as session:
        statuses = session.scalars(select(Delivery.status)).all()
    assert statuses == ["sent"] * (2 * NOTICES)


def test_the_keys_a_receiver_reads_do_not_give_back_the_record(  # type: ignore[no-untyped-def]
    session_factory: sessionmaker[Session], smtp, hook
) -> None:
    """A notice's key names its record (`r{id}:…`), and records are numbered in sequence,
    a proposal's when its petition comes in. The Message-ID and Idempotency-Key were a
    plain sha256 of it, the channel and the receiver's own address: a department found its
    record's id with a loop over small integers, and the gaps counted the 待研判. They are
    keyed now with a secret the database keeps."""
    inbox, port = smtp
    keys, url = hook
    with transaction(session_factory) as session:
        enqueue(session, [notice_row(record_id=None, kind="issued", audience=OFFICE,  # type: ignore[arg-type]
                                     subject="通知", body="正文",
                                     key=notice_key(7, "issued", "", 1, OFFICE))])
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port,
                          office_emails=("office@example.cn",), webhooks={"*": url})
    assert deliver_once(session_factory, config).sent == 2
    [message_id] = [i.strip("<>").split("@")[0] for i in inbox.ids]
    [idempotency] = keys
    guessed = {hashlib.sha256(f"{notice_key(r, 'issued', '', 1, OFFICE)}|{channel}|{target}"
                              .encode()).hexdigest()[:32]
               for r in range(1, 5_001) for channel, target in (
                   ("email", "office@example.cn"), ("webhook", url))}
    assert message_id not in guessed and idempotency not in guessed
    secret = stored_secret(session_factory, DELIVERY_KEY)
    assert message_id == delivery_key(secret, notice_key(7, "issued", "", 1, OFFICE), "email",
                                      "office@example.cn")
