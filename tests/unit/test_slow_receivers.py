"""A receiver that answers a byte at a time cannot hold a send past its time limit.

The per-operation timeouts of httpx and smtplib restart with every byte received, so a
webhook or mail server that trickles its answer held the delivery job for ever, and with
it every later notice of the service.
"""

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from warning.notify.channels import MailError, NotifyConfig, send_email, send_webhook

TIMEOUT = 0.5


def _trickle(first: bytes) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        conn.recv(65536)  # the request (or nothing: a mail server speaks first)
        conn.sendall(first)
        while True:
            conn.sendall(b" ")
            time.sleep(0.1)
    return answer


@pytest.fixture
def slow_server() -> Iterator[Callable[[Callable[[socket.socket], None]], int]]:
    servers: list[socket.socket] = []

    def start(answer: Callable[[socket.socket], None]) -> int:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=_quietly, args=(answer, conn), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return int(server.getsockname()[1])

    yield start
    for server in servers:
        server.close()


def _quietly(answer: Callable[[socket.socket], None], conn: socket.socket) -> None:
    try:
        answer(conn)
    except OSError:
        pass
    finally:
        conn.close()


def test_a_trickling_webhook_fails_in_time(slow_server) -> None:  # type: ignore[no-untyped-def]
    port = slow_server(_trickle(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 100000\r\n\r\n"))
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 (whichever error: it must come)
        send_webhook(NotifyConfig(timeout_seconds=TIMEOUT), f"http://127.0.0.1:{port}/",
                     "主题", "正文", "k")
    assert time.monotonic() - started < TIMEOUT * 3 + 1


def test_a_trickling_mail_server_fails_in_time(slow_server) -> None:  # type: ignore[no-untyped-def]
    def greet_slowly(conn: socket.socket) -> None:
        conn.sendall(b"220")
        while True:
            conn.sendall(b" ")
            time.sleep(0.1)

    port = slow_server(greet_slowly)
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, timeout_seconds=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(MailError):
        send_email(config, "a@example.cn", "主题", "正文", "k")
    assert time.monotonic() - started < TIMEOUT * 3 + 1
