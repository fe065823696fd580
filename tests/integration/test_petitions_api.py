"""Petitions through HTTP: reporters encrypted apart, reveals logged, receipts rate-limited."""

import logging
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.users import add_user, issue_token
from warning.db.models import Reporter, ReporterReveal, Signal
from warning.petitions.errors import ReporterKeyError
from warning.petitions.keys import (
    ReporterCipher,
    ReporterKeySettings,
    generate_key,
    require_key_if_needed,
)
from warning.petitions.receipts import LOOKUP_FLOOR_SECONDS
from warning.runtime import Runtime
from warning.web.api import petitions
from warning.web.app import create_app

REPORTER = {"name": "举报人甲乙", "contact": "13912345678", "id_number": "110101198001019875"}
TEXT = "反映采购中心在设备采购中存在串标、围标问题，涉及金额较大，请组织核查处理。"


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def client(runtime: Runtime, key: str) -> Iterator[TestClient]:
    app = create_app(runtime)
    if not any(getattr(r, "path", "") == "/api/petitions" for r in app.routes):
        app.include_router(petitions.router)
    app.state.reporter_cipher = ReporterCipher([key])
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    with runtime.sessions() as session, session.begin():
        users = {
            "office": add_user(session, name="office1", role="office"),
            "handler": add_user(session, name="handler1", role="handler",
                                department_code="CGZX"),
            "office_cgzx": add_user(session, name="office2", role="office",
                                    department_code="CGZX"),
        }
        return {k: issue_token(session, user=u) for k, u in users.items()}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _petition(**fields: object) -> dict[str, object]:
    return {"title": "关于采购中心串标的举报", "text": TEXT, "department": "CGZX",
            "person": "张某", "amount": "50000", "reporter": REPORTER} | fields


def test_named_petition_is_evaluated_and_its_reporter_is_stored_encrypted(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], key: str,
) -> None:
    posted = client.post("/api/petitions", json=_petition(), headers=_auth(tokens["office"]))
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert body["receipt_code"] is None and body["status"] == "evaluated"
    assert [w["rule_id"] for w in body["warnings"]] == ["bid-collusion"]
    with runtime.sessions() as session:
        reporter = session.get(Reporter, body["signal_id"])
        signal = session.get(Signal, body["signal_id"])
        assert reporter is not None and signal is not None
        assert REPORTER["name"] not in reporter.identity
        assert REPORTER["contact"] not in reporter.identity
        assert signal.extra == {} and REPORTER["name"] not in signal.text
        require_key_if_needed(session, ReporterKeySettings(reporter_key=key))
        with pytest.raises(ReporterKeyError, match="QINGFENG_REPORTER_KEY"):
            require_key_if_needed(session, ReporterKeySettings())
        with pytest.raises(ReporterKeyError, match="QINGFENG_REPORTER_KEY"):
            require_key_if_needed(session, ReporterKeySettings(reporter_key=generate_key()))
    shown = client.get(f"/api/signals/{body['signal_id']}", headers=_auth(tokens["office"]))
    assert REPORTER["name"] not in shown.text and REPORTER["contact"] not in shown.text


def test_only_office_reveals_with_a_reason_and_every_reveal_is_recorded(
    client: TestClient, runtime: Runtime, tokens: dict[str, str],
) -> None:
    signal_id = client.post("/api/petitions", json=_petition(),
                            headers=_auth(tokens["office"])).json()["signal_id"]
    url = f"/api/petitions/{signal_id}/reveal"
    assert client.post(url, json={"reason": "核查"}, headers=_auth(tokens["handler"])
                       ).status_code == 403
    assert client.post(url, json={"reason": "查看举报人"}, headers=_auth(tokens["office_cgzx"])
                       ).status_code == 403
    assert client.post(url, json={"reason": " "}, headers=_auth(tokens["office"])
                       ).status_code == 422
    assert client.post(url, json={"reason": "核查"}).status_code == 401
    shown = client.post(url, json={"reason": "需联系举报人补充材料"},
                        headers=_auth(tokens["office"]))
    assert shown.status_code == 200, shown.text
    assert shown.json()["name"] == REPORTER["name"]
    assert shown.json()["id_number"] == REPORTER["id_number"]
    assert shown.headers["cache-control"] == "no-store"
    with runtime.sessions() as session:
        reveals = session.scalars(select(ReporterReveal)).all()
    assert [(r.signal_id, r.actor, r.reason) for r in reveals] == [
        (signal_id, "user:office1", "需联系举报人补充材料")
    ]


def test_handlers_cannot_log_petitions_and_open_channels_are_refused(
    client: TestClient, tokens: dict[str, str],
) -> None:
    assert client.post("/api/petitions", json=_petition(),
                       headers=_auth(tokens["handler"])).status_code == 403
    refused = client.post("/api/petitions", json=_petition(channel="api"),
                          headers=_auth(tokens["office"]))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "channel"


def test_anonymous_report_gets_a_receipt_that_shows_status_only(
    client: TestClient, tokens: dict[str, str],
) -> None:
    posted = client.post("/api/petitions", json=_petition(reporter=None, anonymous=True),
                         headers=_auth(tokens["office"])).json()
    code = posted["receipt_code"]
    assert code and len(code) == 24
    started = time.monotonic()
    looked = client.post("/api/petitions/receipt", json={"code": code.lower()})
    took = time.monotonic() - started
    assert looked.status_code == 200, looked.text
    started = time.monotonic()
    wrong = client.post("/api/petitions/receipt", json={"code": "0000-0000-0000-0000-0000"})
    # found or not, neither answers before the floor: timing tells nothing
    assert wrong.status_code == 404 and time.monotonic() - started >= LOOKUP_FLOOR_SECONDS
    assert took >= LOOKUP_FLOOR_SECONDS
    assert looked.json()["status"] == "handling" and looked.json()["label"] == "办理中"
    assert set(looked.json()) == {"status", "label", "received_on", "reply"}
    assert looked.json()["reply"] == ""  # the office has not written to the reporter yet
    # the office's reply is read here: no cache between the reporter and the service keeps it
    assert looked.headers["cache-control"] == "no-store"
    revealed = client.post(f"/api/petitions/{posted['signal_id']}/reveal",
                           json={"reason": "核实匿名情况"}, headers=_auth(tokens["office"]))
    assert revealed.json()["anonymous"] is True and revealed.json()["name"] is None


def test_receipt_lookups_are_rate_limited_per_client(client: TestClient) -> None:
    answers = [client.post("/api/petitions/receipt", json={"code": "AAAA-BBBB"}).status_code
               for _ in range(6)]
    assert answers == [404] * 5 + [429]
    refused = client.post("/api/petitions/receipt", json={"code": "AAAA-BBBB"})
    limited = refused.json()
    assert limited["error"]["code"] == "rate_limited" and "频繁" in limited["error"]["message"]
    assert refused.headers["Retry-After"] == str(limited["error"]["retry_after"]) == "12"


def test_no_log_line_carries_the_reporter(
    client: TestClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    posted = client.post("/api/petitions", json=_petition(), headers=_auth(tokens["office"]))
    client.post(f"/api/petitions/{posted.json()['signal_id']}/reveal",
                json={"reason": "需联系举报人补充材料"}, headers=_auth(tokens["office"]))
    client.post("/api/petitions", json=_petition(reporter={"name": REPORTER["name"]}),
                headers=_auth(tokens["office"]))
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage() + repr(record.args) + str(record.exc_text or "")
        for value in REPORTER.values():
            assert value not in line, record.name
