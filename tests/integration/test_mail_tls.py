"""Mail through a loopback SMTP server that requires TLS and a login, set up by settings."""

import datetime as dt
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from tests.integration.test_outbox_delivery import Inbox
from tests.tls import certificate
from warning.notify.outbox import delivery_states
from warning.notify.worker import deliver_once
from warning.scheduler import notify_config
from warning.settings import load_settings

# The implicit-TLS server is all TLS; aiosmtpd warns because it only counts STARTTLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "qingfeng", "s3cret-pa55"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["starttls", "ssl"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SimpleNamespace]:
    """A server requiring a login over TLS: STARTTLS on one port, or implicit TLS."""
    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), _free_port()
    options: dict[str, object] = {"auth_required": True, "authenticator": _authenticate}
    if request.param == "starttls":
        options.update(tls_context=context, require_starttls=True)
    else:
        # The whole connection is TLS; aiosmtpd only knows STARTTLS as TLS for AUTH.
        options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield SimpleNamespace(mode=request.param, inbox=inbox, port=port, ca=cert)
    controller.stop()


def _config(server: SimpleNamespace, **overrides: object) -> object:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_user": USER,
        "smtp_password": PASSWORD, "smtp_ca_file": server.ca, "smtp_timeout": 5,
        "smtp_starttls": server.mode == "starttls", "smtp_ssl": server.mode == "ssl",
    }
    values.update(overrides)
    return notify_config(SimpleNamespace(settings=load_settings(**values)))  # type: ignore[arg-type]


def _mail_state(sessions: sessionmaker[Session]) -> object:
    with sessions() as session:
        [state] = [s for s in delivery_states(session) if s.channel == "email"]
        return state


def test_settings_reach_a_server_requiring_tls_and_login(
    session_factory: sessionmaker[Session], server: SimpleNamespace
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    run = deliver_once(session_factory, _config(server))  # type: ignore[arg-type]
    assert run.sent >= 1, _mail_state(session_factory).last_error  # type: ignore[attr-defined]
    [(rcpt, message)] = server.inbox.messages
    assert rcpt == ["handler_a@example.cn"]
    assert str(message["Subject"]).startswith("【廉政风险预警下达】")


def test_a_wrong_password_is_a_clear_error_and_the_mail_waits(
    session_factory: sessionmaker[Session], server: SimpleNamespace
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    deliver_once(session_factory, _config(server, smtp_password="wrong"))  # type: ignore[arg-type]
    state = _mail_state(session_factory)
    assert state.status == "pending" and state.attempts == 1  # type: ignore[attr-defined]
    assert "拒绝登录, 请检查用户名和密码" in state.last_error  # type: ignore[attr-defined]
    assert PASSWORD not in state.last_error and "wrong" not in state.last_error  # type: ignore[attr-defined]
    assert server.inbox.messages == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    deliver_once(session_factory, _config(server), now=later)  # type: ignore[arg-type]
    assert _mail_state(session_factory).status == "sent"  # type: ignore[attr-defined]
    assert len(server.inbox.messages) == 1


def test_an_untrusted_certificate_is_refused_in_chinese(
    session_factory: sessionmaker[Session], server: SimpleNamespace
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    deliver_once(session_factory, _config(server, smtp_ca_file=None))  # type: ignore[arg-type]
    state = _mail_state(session_factory)
    assert state.status == "pending"  # type: ignore[attr-defined]
    assert "建立 TLS 失败" in state.last_error  # type: ignore[attr-defined]
    assert server.inbox.messages == []


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_lost(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    closed = SimpleNamespace(port=_free_port(), ca=None, mode="starttls")
    deliver_once(session_factory, _config(closed))  # type: ignore[arg-type]
    state = _mail_state(session_factory)
    assert state.status == "pending" and state.attempts == 1  # type: ignore[attr-defined]
    assert f"无法连接邮件服务器 127.0.0.1:{closed.port}" in state.last_error  # type: ignore[attr-defined]


def test_a_missing_ca_file_or_a_login_without_tls_says_which_setting(
    session_factory: sessionmaker[Session], server: SimpleNamespace, tmp_path: Path
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    missing = tmp_path / "intranet-ca.pem"
    deliver_once(session_factory, _config(server, smtp_ca_file=str(missing)))  # type: ignore[arg-type]
    error = _mail_state(session_factory).last_error  # type: ignore[attr-defined]
    assert f"QINGFENG_SMTP_CA_FILE 指定的证书文件 {missing} 不存在" in error, error
    if server.mode == "starttls":  # the server offers a login only after STARTTLS
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        deliver_once(session_factory, _config(server, smtp_starttls=False),  # type: ignore[arg-type]
                     now=later)
        error = _mail_state(session_factory).last_error  # type: ignore[attr-defined]
        assert "设置 QINGFENG_SMTP_STARTTLS=true (端口 587)" in error, error
    assert server.inbox.messages == []
