"""The office's signal form on a confidential channel takes the reporter and how it came in;
an anonymous petition's receipt code is shown once; the office replies to the reporter."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.petition_world import csrf_of
from warning.auth.users import add_user, issue_token
from warning.db.models import Reporter, Signal
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

WHO = {"reporter_name": "来访人K3301", "reporter_phone": "010-66001234",
       "reporter_id_number": "11010519491231002X", "reporter_unit": "来访人单位K3301",
       "reporter_address": "来访人地址K3301"}


@dataclass
class Office:
    app: FastAPI
    runtime: Runtime
    tokens: dict[str, str]

    def client(self, name: str = "office") -> TestClient:
        return TestClient(self.app, cookies={SESSION_COOKIE: self.tokens[name]},
                          follow_redirects=False)

    def counts(self) -> tuple[int, int]:
        with self.runtime.sessions() as session:
            return (session.scalar(select(func.count()).select_from(Signal)) or 0,
                    session.scalar(select(func.count()).select_from(Reporter)) or 0)


@pytest.fixture
def office(runtime: Runtime) -> Iterator[Office]:
    app = create_app(runtime)
    app.state.reporter_cipher = ReporterCipher([generate_key()])
    with runtime.sessions() as session, session.begin():
        tokens = {name: issue_token(session, user=add_user(
            session, name=name, role=role, department_code=department))
            for name, role, department in (("office", "office", None),
                                           ("cg", "handler", "CGZX"))}
    yield Office(app, runtime, tokens)


def _post(client: TestClient, fields: dict[str, str]) -> httpx.Response:
    form = client.get("/signals/new")
    data = {"channel": "petition", "title": "来访反映采购中心问题K3301",
            "text": "来访人反映采购中心科长收受礼金。", "department": "CGZX",
            "anonymous": "0", "intake_mode": "visit", "csrf_token": csrf_of(form.text)}
    return client.post("/signals/new", data=data | fields)


def test_the_form_logs_a_named_petition_with_its_reporter_encrypted(office: Office) -> None:
    client = office.client()
    assert 'id="reporter-fields"' in client.get("/signals/new").text
    answer = _post(client, WHO)
    assert answer.status_code == 303, answer.text[:3000]
    signal_id = int(answer.headers["location"].split("/")[2].split("?")[0])
    with office.runtime.sessions() as session:
        reporter = session.get(Reporter, signal_id)
    assert reporter is not None and not reporter.anonymous and reporter.intake_mode == "visit"
    assert reporter.receipt_hash is None  # the office keeps in touch with a named reporter
    assert all(value not in reporter.identity for value in WHO.values())
    page = client.get(f"/signals/{signal_id}")
    assert 'id="intake-mode">来访<' in page.text and 'id="anonymity">实名举报<' in page.text
    assert WHO["reporter_name"] not in page.text
    shown = client.post(f"/signals/{signal_id}/reveal",
                        data={"reason": "核实来访情况", "csrf_token": csrf_of(page.text)})
    for field in ("unit", "address", "id-number", "phone"):
        value = WHO[f"reporter_{field.replace('-', '_')}"]
        assert f'id="reporter-{field}">{value}<' in shown.text
    # A department never sees the petition, its reporter or how it came in.
    handler = office.client("cg")
    assert handler.get(f"/signals/{signal_id}").status_code == 404


def test_an_anonymous_petition_shows_its_receipt_once_with_a_slip(office: Office) -> None:
    client = office.client()
    answer = _post(client, {"anonymous": "1", "intake_mode": "12388"})
    assert answer.status_code == 200, answer.text[:2000]
    code = re.search(r'id="receipt-code">([0-9A-Z-]+)<', answer.text)
    assert code and 'id="receipt-slip"' in answer.text and "/report/lookup" in answer.text
    assert "/static/report.js" in answer.text and "<script>" not in answer.text
    with office.runtime.sessions() as session:
        signal_id, mode = session.execute(select(Reporter.signal_id, Reporter.intake_mode)).one()
    assert mode == "12388"
    assert code.group(1) not in client.get(f"/signals/{signal_id}").text  # shown once only


BAD = {
    "bad id": ({**WHO, "reporter_id_number": "110105194912310021"}, "reporter_id_number",
               "校验位"),
    "bad phone": ({**WHO, "reporter_phone": "139123"}, "reporter_phone", "电话号码不正确"),
    "no mode": ({**WHO, "intake_mode": ""}, "intake_mode", "请选择来源方式"),
    "no name": ({}, "reporter_name", "请填写举报人姓名"),
    "script in unit": ({**WHO, "reporter_unit": "<script>x</script>"}, "reporter_unit",
                       "HTML 标签"),
    "too long name": ({**WHO, "reporter_name": "名" * 101}, "reporter_name", "不能超过 100 字"),
    "anonymous with a name": ({**WHO, "anonymous": "1"}, "reporter_name", "匿名举报"),
    "reporter on an open channel": ({**WHO, "channel": "audit"}, "reporter_name", "只有保密渠道"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_reporter_input_gets_a_field_message_and_changes_nothing(
    office: Office, case: str,
) -> None:
    fields, field, message = BAD[case]
    before = office.counts()
    answer = _post(office.client(), fields)
    assert answer.status_code == 422, answer.text[:500]
    error = re.search(rf'id="err-{field}" role="alert">([^<]+)<', answer.text)
    assert error and message in error.group(1), answer.text[-4000:]
    assert office.counts() == before


def test_a_petition_keeps_its_external_id_and_a_repeat_is_refused_beside_it(
    office: Office,
) -> None:
    client = office.client()
    first = _post(client, {**WHO, "external_id": "XF-2026-001"})
    assert first.status_code == 303
    before = office.counts()
    again = _post(client, {**WHO, "external_id": "XF-2026-001"})
    assert again.status_code == 422
    assert re.search(r'id="err-external_id" role="alert">[^<]*已登记过', again.text)
    assert office.counts() == before
    with office.runtime.sessions() as session:
        assert session.scalar(select(Signal.external_id).join(
            Reporter, Reporter.signal_id == Signal.id)) == "XF-2026-001"


@pytest.mark.parametrize("reply", ["", "长" * 2001, "<script>alert(1)</script>"])
def test_a_bad_reply_is_refused_beside_its_field(office: Office, reply: str) -> None:
    client = office.client()
    signal_id = int(_post(client, WHO).headers["location"].split("/")[2].split("?")[0])
    page = client.get(f"/signals/{signal_id}")
    answer = client.post(f"/signals/{signal_id}/reply",
                         data={"reply": reply, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 422 and 'id="err-reply"' in answer.text
    with office.runtime.sessions() as session:
        assert session.get(Reporter, signal_id).reply == ""  # type: ignore[union-attr]
    handler = office.client("cg")
    refused = handler.post(f"/signals/{signal_id}/reply",
                           data={"reply": "x", "csrf_token": csrf_of(page.text)})
    assert refused.status_code in (403, 404)


def test_a_file_sent_in_place_of_a_text_field_is_no_title(office: Office) -> None:
    client = office.client()
    form = client.get("/signals/new")
    data = {"channel": "petition", "text": "来访人反映采购中心科长收受礼金。", "department": "CGZX",
            "anonymous": "1", "intake_mode": "visit", "csrf_token": csrf_of(form.text)}
    before = office.counts()
    answer = client.post("/signals/new", data=data,
                         files={"title": ("t.txt", b"abc", "text/plain")})
    assert answer.status_code == 422, answer.status_code
    assert "UploadFile" not in answer.text and 'id="err-title"' in answer.text
    assert office.counts() == before


def test_without_a_key_a_named_petition_is_refused_as_not_fileable(office: Office) -> None:
    office.app.state.reporter_cipher = None
    before = office.counts()
    answer = _post(office.client(), WHO)
    assert answer.status_code == 422
    assert "暂不能登记实名举报人" in answer.text and "按匿名举报登记" in answer.text
    assert "暂不能查看举报人" not in answer.text  # filing, not reading
    assert WHO["reporter_unit"] in answer.text  # what was typed is shown again
    assert office.counts() == before
