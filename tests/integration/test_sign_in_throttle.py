"""Sign-in throttling held in the database: across two server processes, per account and
per address, unknown names answered like known ones, forwarded addresses not believed."""

import statistics
import time

import httpx
from sqlalchemy import select

from tests.integration.live_server import csrf_token, serve, sign_in
from warning.auth.users import add_user, set_active
from warning.db.models import SecurityEvent
from warning.runtime import Runtime

PASSWORD = "Caiwu-pass-2026"


def _add(runtime: Runtime, name: str) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name=name, role="office", password=PASSWORD)


def _attempt(base: str, name: str, password: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=base, headers=headers) as browser:  # a new connection each time
        return sign_in(browser, name, password)


def test_five_failures_over_two_processes_lock_the_account(runtime: Runtime) -> None:
    _add(runtime, "cwk")
    with serve(runtime) as first, serve(runtime) as second:
        statuses = [_attempt(base, "cwk", "wrong-password-x").status_code
                    for base in (first, second, first, second, first)]
        assert statuses == [401] * 5
        for base in (second, first):  # the right password no longer helps, on either process
            locked = _attempt(base, "cwk", PASSWORD)
            assert locked.status_code == 429
            assert "已锁定" in locked.text and "分钟后再试" in locked.text
            assert "locked" in locked.text
            assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60
            assert "qingfeng_session" not in locked.cookies
    with runtime.sessions() as session:
        kinds = session.scalars(select(SecurityEvent.kind).where(
            SecurityEvent.user_name == "cwk").order_by(SecurityEvent.id)).all()
    assert kinds == ["login_failed"] * 5 + ["lockout", "login_locked", "login_locked"]


def test_a_disabled_user_is_refused_with_the_right_password_only(runtime: Runtime) -> None:
    _add(runtime, "gone")
    with runtime.sessions() as session, session.begin():
        set_active(session, name="gone", active=False)
    with serve(runtime) as base:
        disabled = _attempt(base, "gone", PASSWORD)
        assert disabled.status_code == 403 and "账户已停用" in disabled.text
        assert "qingfeng_session" not in disabled.cookies
        wrong = _attempt(base, "gone", "wrong-password-x")
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text


def test_unknown_names_take_as_long_as_known_ones_and_are_counted_alike(
    runtime: Runtime,
) -> None:
    _add(runtime, "cwk")
    with serve(runtime) as base:
        def timed(name: str) -> float:
            with httpx.Client(base_url=base) as browser:
                token = csrf_token(browser)  # open the form outside the timing
                started = time.perf_counter()
                answer = browser.post("/login", data={"csrf_token": token, "name": name,
                                                      "password": "wrong-password-x"})
                elapsed = time.perf_counter() - started
            assert answer.status_code == 401 and "用户名或密码错误" in answer.text
            return elapsed

        known = statistics.median(timed("cwk") for _ in range(3))
        unknown = statistics.median(timed(f"ghost{n}") for n in range(3))
        # Without the dummy hash an unknown name answers ~50x faster than a password check.
        assert unknown > known / 3, (known, unknown)
        for _ in range(5):
            _attempt(base, "ghost", "wrong-password-x")
        assert _attempt(base, "ghost", "wrong-password-x").status_code == 429


def test_forwarded_for_is_believed_only_from_trusted_proxies(runtime: Runtime) -> None:
    for n in range(4):
        _add(runtime, f"user{n}")
    with serve(runtime, login_max_failures_per_address="3") as base:
        # Rotating X-Forwarded-For does not dodge the per-address limit: the peer counts.
        statuses = [_attempt(base, f"user{n}", "wrong-password-x",
                             **{"X-Forwarded-For": f"10.9.0.{n}"}).status_code for n in range(4)]
        assert statuses == [401, 401, 401, 429], statuses
        assert "已锁定" in _attempt(base, "user3", PASSWORD).text
    with runtime.sessions() as session:
        addresses = set(session.scalars(select(SecurityEvent.address)))
    assert addresses == {"127.0.0.1"}
    with serve(runtime, trusted_proxies="127.0.0.1/32, ::1") as base:
        answer = _attempt(base, "user0", "wrong-password-x",
                          **{"X-Forwarded-For": "203.0.113.7, 127.0.0.1"})
        assert answer.status_code == 401
    with runtime.sessions() as session:
        last = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id.desc())).first()
    assert last is not None and last.address == "203.0.113.7"
