"""Accounts against a real server: sign-out, token expiry and revocation, CSRF, the log."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests.integration.live_server import csrf_token, serve, sign_in
from warning.auth.users import add_user, issue_token, set_active
from warning.db.models import ApiToken, SecurityEvent, Signal
from warning.runtime import Runtime

PASSWORDS = {"office": "Office-pass-2026", "cwk": "Caiwu-pass-2026", "admin": "Admin-pass-2026"}
SIGNAL = {"channel": "petition", "external_id": "ACC-1", "title": "来信",
          "text": "反映采购中心设备采购中存在串标", "department": "CGZX", "person": "张三"}


@pytest.fixture
def served(runtime: Runtime) -> Iterator[str]:
    """Two HTTP workers with a one-second API token cache, and three users."""
    with runtime.sessions() as session, session.begin():
        add_user(session, name="office", role="office", password=PASSWORDS["office"])
        add_user(session, name="cwk", role="handler", department_code="CWK",
                 password=PASSWORDS["cwk"])
        add_user(session, name="admin", role="admin", password=PASSWORDS["admin"])
    with serve(runtime, workers=2, token_cache_seconds="1") as base:
        yield base


def _token(runtime: Runtime, name: str, **kwargs: object) -> str:
    with runtime.sessions() as session, session.begin():
        from warning.auth.users import find_user

        return issue_token(session, user=find_user(session, name), **kwargs)  # type: ignore[arg-type]


def _signals(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def _refused_401(answer: httpx.Response, says: str) -> None:
    assert answer.status_code == 401, answer.text
    error = answer.json()["error"]
    assert says in error["message"] and error["message_en"], error


def test_sign_out_revokes_the_session_for_pages_and_api(runtime: Runtime, served: str) -> None:
    with httpx.Client(base_url=served) as browser:
        assert sign_in(browser, "office", PASSWORDS["office"]).status_code == 303
        session_token = browser.cookies["qingfeng_session"]
        assert browser.get("/").status_code == 200
        assert browser.get("/api/inbox").status_code == 200
        logout = browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
        assert logout.status_code == 303
    bearer = {"Authorization": f"Bearer {session_token}"}
    for _ in range(6):  # new connections: both workers refuse it, with no cache delay
        _refused_401(httpx.get(f"{served}/api/inbox", headers=bearer), "已撤销")
        page = httpx.get(f"{served}/", cookies={"qingfeng_session": session_token})
        assert page.status_code == 401 and "已撤销" in page.text and "revoked" in page.text
        assert 'action="/login"' in page.text
    with runtime.sessions() as session:
        kinds = session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)).all()
    assert kinds == ["login_ok", "logout"]


def test_expired_revoked_malformed_and_disabled_tokens_get_401_and_change_nothing(
    runtime: Runtime, served: str
) -> None:
    past = datetime.now(UTC) - timedelta(days=100)
    expired = _token(runtime, "office", now=past)
    revoked = _token(runtime, "office")
    disabled = _token(runtime, "cwk")
    with runtime.sessions() as session, session.begin():
        session.execute(ApiToken.__table__.update()  # type: ignore[attr-defined]
                        .where(ApiToken.label == "").values(label="x"))
        set_active(session, name="cwk", active=False)
    live = _token(runtime, "office", label="live")
    idle = _token(runtime, "office", kind="session",
                  now=datetime.now(UTC) - timedelta(minutes=31))
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {live}"}) as office:
        listed = office.get("/api/tokens").json()
        mine = {t["id"]: t for t in listed}
        assert {t["state"] for t in listed} == {"live", "expired"}
        assert all("token" not in t and "token_hash" not in t for t in listed)
        newest_api = max(i for i, t in mine.items() if t["state"] == "live" and t["label"] == "x")
        assert office.delete(f"/api/tokens/{newest_api}").status_code == 204
        assert office.delete(f"/api/tokens/{newest_api}").status_code == 409
    before = _signals(runtime)
    cases = [(expired, "已过期"), (revoked, "已撤销"), (idle, "长时间未操作"), (disabled, "已撤销"),
             ("qf_not-a-real-token", "无效"), ("garbage token", "无效"), ("", "需要登录")]
    for token, says in cases:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        _refused_401(httpx.post(f"{served}/api/signals", json=SIGNAL, headers=headers), says)
    assert _signals(runtime) == before


def test_tokens_are_listed_and_revoked_by_their_owner_or_an_admin(
    runtime: Runtime, served: str
) -> None:
    office, cwk, admin = (_token(runtime, n) for n in ("office", "cwk", "admin"))
    def as_(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}
    cwk_tokens = httpx.get(f"{served}/api/tokens", headers=as_(cwk)).json()
    assert len(cwk_tokens) == 1
    cwk_id = cwk_tokens[0]["id"]
    # The office may not see or revoke another user's token; the admin may.
    assert httpx.get(f"{served}/api/tokens?user=cwk", headers=as_(office)).status_code == 403
    assert httpx.delete(f"{served}/api/tokens/{cwk_id}", headers=as_(office)).status_code == 404
    assert httpx.get(f"{served}/api/tokens?user=cwk", headers=as_(admin)).json()[0]["id"] == cwk_id
    assert httpx.delete(f"{served}/api/tokens/{cwk_id}", headers=as_(admin)).status_code == 204
    # Another worker may have remembered the token for QINGFENG_TOKEN_CACHE_SECONDS (1 s).
    deadline = datetime.now(UTC) + timedelta(seconds=3)
    statuses = []
    while datetime.now(UTC) < deadline:
        statuses.append(httpx.get(f"{served}/api/inbox", headers=as_(cwk)).status_code)
    assert statuses[-8:] == [401] * 8, statuses


def test_a_csrf_token_of_another_session_is_refused_and_nothing_changes(
    runtime: Runtime, served: str
) -> None:
    with httpx.Client(base_url=served) as office, httpx.Client(base_url=served) as cwk:
        assert sign_in(office, "office", PASSWORDS["office"]).status_code == 303
        assert sign_in(cwk, "cwk", PASSWORDS["cwk"]).status_code == 303
        office_form = csrf_token(office, "/")
        # cwk's browser sends office's token in field and cookie: a forged double submit.
        cwk.cookies.set("qingfeng_csrf", office_form)
        refused = cwk.post("/logout", data={"csrf_token": office_form})
        assert refused.status_code == 403
        assert "表单校验码" in refused.text and "CSRF" in refused.text
        assert cwk.get("/").status_code == 200  # still signed in: the sign-out did not happen
        wrong = office.post("/logout", data={"csrf_token": "abc.def"})
        assert wrong.status_code == 403 and office.get("/").status_code == 200
    with runtime.sessions() as session:
        refusals = session.scalars(select(SecurityEvent).where(
            SecurityEvent.kind == "refused")).all()
    assert {(e.user_name, e.path, e.status) for e in refusals} >= {("", "/logout", 403)}


def test_refusals_and_sign_ins_are_in_the_security_log_for_the_office_only(
    runtime: Runtime, served: str
) -> None:
    office, cwk = _token(runtime, "office"), _token(runtime, "cwk")
    posted = httpx.post(f"{served}/api/signals", json=SIGNAL,
                        headers={"Authorization": f"Bearer {office}"}).json()
    warning_id = posted["warnings"][0]["id"]
    as_cwk = {"Authorization": f"Bearer {cwk}"}
    assert httpx.get(f"{served}/api/warnings/{warning_id}", headers=as_cwk).status_code == 404
    assert httpx.get(f"{served}/api/security-log", headers=as_cwk).status_code == 403
    with httpx.Client(base_url=served) as browser:
        assert sign_in(browser, "cwk", "wrong-password-1").status_code == 401
        assert sign_in(browser, "cwk", PASSWORDS["cwk"]).status_code == 303
        assert browser.get(f"/warnings/{warning_id}").status_code == 404
        assert browser.get("/security-log").status_code == 404
    log = httpx.get(f"{served}/api/security-log",
                    headers={"Authorization": f"Bearer {office}"}).json()
    seen = {(e["kind"], e["user_name"], e["path"], e["status"]) for e in log}
    assert ("refused", "cwk", f"/api/warnings/{warning_id}", 404) in seen
    assert ("refused", "cwk", "/api/security-log", 403) in seen
    assert ("refused", "cwk", f"/warnings/{warning_id}", 404) in seen
    assert ("login_failed", "cwk", "/login", 401) in seen
    assert ("login_ok", "cwk", "/login", 303) in seen
    assert all(e["address"] == "127.0.0.1" for e in log if e["kind"].startswith("login"))
    with httpx.Client(base_url=served) as browser:
        sign_in(browser, "office", PASSWORDS["office"])
        page = browser.get("/security-log?kind=refused")
    assert page.status_code == 200 and f"/api/warnings/{warning_id}" in page.text
