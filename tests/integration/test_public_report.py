"""The public report page: anyone files (anonymous or named, one file), gets a receipt code
once, and looks up progress with it; bad input changes nothing; rate limits and CSRF hold."""

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.petition_world import csrf_of
from warning.auth.users import add_user, issue_token
from warning.db.models import (
    Channel,
    PetitionFile,
    Reporter,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.handling import attachments as files
from warning.petitions.keys import ReporterCipher, generate_key
from warning.petitions.receipts import StoredRateLimiter
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.public_report import LOOKUP_FLOOR_SECONDS, SENT_ALREADY
from warning.web.security import SESSION_COOKIE

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "反映采购中心收受供应商购物卡T8801"
TEXT = "采购中心某科长多次收受供应商购物卡，金额较大，请核查。T8801"
NAMED = {"reporter_name": "公开举报人N9901", "reporter_phone": "139 1234 9901",
         "reporter_id_number": "11010519491231002X", "reporter_unit": "公开举报人单位N9901",
         "reporter_address": "公开举报人地址N9901"}


@dataclass
class Public:
    app: FastAPI
    runtime: Runtime
    files: Path
    office_token: str

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def office(self) -> TestClient:
        return TestClient(self.app, cookies={SESSION_COOKIE: self.office_token},
                          follow_redirects=False)

    def counts(self) -> tuple[int, int, int]:
        with self.runtime.sessions() as session:
            return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[return-value]
                         for t in (Signal, Reporter, PetitionFile))


@pytest.fixture
def public(runtime: Runtime, tmp_path: Path) -> Iterator[Public]:
    app = create_app(runtime)
    app.state.reporter_cipher = ReporterCipher([generate_key()])
    app.state.attachments_dir = tmp_path / "files"
    # Many submissions from one test client: a roomy bucket unless a test sets its own.
    app.state.report_limiter = StoredRateLimiter(runtime.sessions, capacity=200, period=600.0,
                                                 action="report")
    app.state.receipt_limiter = StoredRateLimiter(runtime.sessions, capacity=200, period=60.0,
                                                  action="receipt")
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office"))
    yield Public(app, runtime, tmp_path / "files", token)


def _file(client: TestClient, fields: dict[str, str],
          upload: tuple[str, bytes] | None = None) -> httpx.Response:
    form = client.get("/report")
    data = {"title": TITLE, "text": TEXT, "department": "CGZX", "person": "某科长",
            "anonymous": "1", "csrf_token": csrf_of(form.text),
            "form_key": _form_key(form.text)} | fields
    sent = {"attachment": (upload[0], upload[1], "application/octet-stream")} if upload else None
    return client.post("/report", data=data, files=sent, headers={"accept": "text/html"})


def _form_key(html: str) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', html)
    assert found, "no form key on the page"
    return found.group(1)


def _code(html: str) -> str:
    found = re.search(r'id="receipt-code">([0-9A-Z-]+)<', html)
    assert found, html[:2000]
    return found.group(1)


def _result(html: str) -> str:
    assert 'id="lookup-result"' in html
    return html.split('id="lookup-result"')[1]


def _lookup(client: TestClient, code: str) -> httpx.Response:
    page = client.get("/report/lookup")
    return client.post("/report/lookup", data={"code": code, "csrf_token": csrf_of(page.text)})


def test_the_public_page_needs_no_sign_in_and_shows_no_menu(public: Public) -> None:
    for path in ("/report", "/report/lookup"):
        page = public.client().get(path)
        assert page.status_code == 200
        assert 'class="nav"' not in page.text and 'href="/signals' not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text and " style=" not in page.text
    assert "采购中心" in public.client().get("/report").text  # the departments a reporter may name


def test_anyone_files_anonymously_with_a_file_and_looks_up_progress(public: Public) -> None:
    client = public.client()
    filed = _file(client, {}, ("证据.pdf", PDF))
    assert filed.status_code == 200, filed.text
    code = _code(filed.text)
    assert "/report/lookup" in filed.text and "北京时间" in filed.text
    assert filed.headers["cache-control"] == "no-store"
    with public.runtime.sessions() as session:
        signal = session.scalars(select(Signal).where(Signal.title == TITLE)).one()
        reporter = session.get(Reporter, signal.id)
        stored = session.scalars(select(PetitionFile)).one()
        channel = session.get(Channel, signal.channel_id)
        issued = session.scalar(select(func.count()).select_from(WarningSignal).join(
            RiskWarning, RiskWarning.id == WarningSignal.warning_id).where(
            WarningSignal.signal_id == signal.id, RiskWarning.is_open,
            RiskWarning.is_proposal.is_(False)))
    assert channel is not None and channel.code == "petition" and channel.confidential
    assert signal.status != "received"  # evaluated on the way in, as any petition
    assert reporter is not None and reporter.anonymous and reporter.identity == ""
    assert reporter.intake_mode == "online" and reporter.receipt_hash and code not in str(
        reporter.receipt_hash)
    assert stored.filename == "证据.pdf" and files.stored_path(public.files, stored.sha256)\
        .read_bytes() == PDF
    looked = _lookup(client, code.lower().replace("-", " "))
    assert looked.status_code == 200
    assert ("办理中" if issued else "已受理") in _result(looked.text)
    for private in (TITLE, TEXT, "某科长", "采购中心", "期限", "预警", "签收", "责任"):
        assert private not in _result(looked.text) and private not in looked.text.split(
            "</title>")[1]
    # The office writes to the reporter on the signal's page; the reporter reads it.
    office = public.office()
    page = office.get(f"/signals/{signal.id}")
    assert 'id="intake-mode">网络<' in page.text and "证据.pdf" in page.text
    saved = office.post(f"/signals/{signal.id}/reply", data={
        "reply": "已转有关部门核查，感谢您的监督。", "csrf_token": csrf_of(page.text)})
    assert saved.status_code == 303
    again = _lookup(client, code)
    assert 'id="office-reply">已转有关部门核查，感谢您的监督。<' in again.text
    opened = office.get(f"/signals/{signal.id}/files/{stored.sha256}")
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-disposition"].startswith("attachment")


def test_a_named_public_report_is_encrypted_and_the_office_reveals_every_field(
    public: Public,
) -> None:
    filed = _file(public.client(), {"anonymous": "0", **NAMED})
    assert filed.status_code == 200, filed.text
    _code(filed.text)  # a named reporter gets a receipt code too
    with public.runtime.sessions() as session:
        signal_id, identity = session.execute(
            select(Reporter.signal_id, Reporter.identity)).one()
    for value in NAMED.values():
        assert value not in identity
    office = public.office()
    page = office.get(f"/signals/{signal_id}")
    assert NAMED["reporter_name"] not in page.text  # not without a reveal
    shown = office.post(f"/signals/{signal_id}/reveal",
                        data={"reason": "需联系举报人核实", "csrf_token": csrf_of(page.text)})
    assert shown.status_code == 200
    assert 'id="reporter-phone">13912349901<' in shown.text
    assert f'id="reporter-id-number">{NAMED["reporter_id_number"]}<' in shown.text
    assert f'id="reporter-unit">{NAMED["reporter_unit"]}<' in shown.text
    assert f'id="reporter-address">{NAMED["reporter_address"]}<' in shown.text


BAD = {
    "empty": ({"title": "", "text": ""}, None, "title", "请填写标题"),
    "too long": ({"text": "长" * 20_001}, None, "text", "不能超过 20000 字"),
    "script": ({"title": "<script>alert(1)</script>"}, None, "title", "不能包含 HTML 标签"),
    "exe as pdf": ({}, ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 100), "attachment", "内容与类型不符"),
    "exe": ({}, ("setup.exe", b"MZ\x90\x00"), "attachment", "类型不允许"),
    "too big for a file": ({}, ("大.pdf", b"%PDF" + b"0" * 5 * 1024 * 1024), "attachment",
                           "附件不能超过"),
    "bad id": ({"anonymous": "0", **NAMED, "reporter_id_number": "110105194912310021"}, None,
               "reporter_id_number", "校验位"),
    "bad phone": ({"anonymous": "0", **NAMED, "reporter_phone": "12345"}, None,
                  "reporter_phone", "电话号码不正确"),
    "named without name": ({"anonymous": "0"}, None, "reporter_name", "请填写举报人姓名"),
    "anonymous with identity": ({"reporter_name": "某人"}, None, "reporter_name", "匿名举报"),
    "unknown department": ({"department": "NOPE"}, None, "department", "请从列表中选择"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_gets_a_field_message_and_changes_nothing(public: Public, case: str) -> None:
    fields, upload, field, message = BAD[case]
    before = public.counts()
    answer = _file(public.client(), fields, upload)
    assert answer.status_code == 422, answer.text[:500]
    error = re.search(rf'id="err-{field}" role="alert">([^<]+)<', answer.text)
    assert error and message in error.group(1), answer.text[:3000]
    assert public.counts() == before
    assert not public.files.exists() or not any(public.files.rglob("*"))


def test_a_50_mb_file_is_refused_on_the_form_itself(public: Public) -> None:
    before = public.counts()
    answer = _file(public.client(), {}, ("大.pdf", b"%PDF" + b"0" * 50_000_000))
    assert answer.status_code == 413
    assert re.search(r'id="err-attachment" role="alert">附件过大', answer.text)
    assert 'class="nav"' not in answer.text
    assert public.counts() == before


def test_filing_needs_the_form_token(public: Public) -> None:
    before = public.counts()
    client = public.client()
    client.get("/report")
    answer = client.post("/report", data={"title": TITLE, "text": TEXT, "anonymous": "1",
                                          "csrf_token": "forged.token"})
    assert answer.status_code == 403 and public.counts() == before


def test_filing_is_rate_limited_per_client(public: Public) -> None:
    public.app.state.report_limiter = StoredRateLimiter(public.runtime.sessions, capacity=2,
                                                        period=600.0, action="report")
    client = public.client()
    assert [_file(client, {"title": f"{TITLE}{n}"}).status_code for n in range(2)] == [200, 200]
    before = public.counts()
    refused = _file(client, {"title": f"{TITLE}3"})
    assert refused.status_code == 429 and "提交过于频繁" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert public.counts() == before


def test_wrong_codes_get_the_same_answer_in_the_same_time(public: Public) -> None:
    client = public.client()
    code = _code(_file(client, {}).text)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    bodies, times = set(), []
    for guess in (wrong, "0000-0000-0000-0000-0000", "!!!", "x" * 64):
        started = time.monotonic()
        answer = _lookup(client, guess)
        times.append(time.monotonic() - started)
        assert answer.status_code == 404
        page = re.sub(r'value="[^"]{32,}"', "", answer.text).replace(guess, "")
        bodies.add(re.sub(r"北京时间（[^）]*）", "", page))  # the footer's clock may turn a minute
    assert len(bodies) == 1 and "回执码无效或不存在" in bodies.pop()
    assert min(times) >= LOOKUP_FLOOR_SECONDS
    started = time.monotonic()
    assert _lookup(client, code).status_code == 200
    assert time.monotonic() - started >= LOOKUP_FLOOR_SECONDS


def test_lookups_are_rate_limited_with_the_api_bucket(public: Public) -> None:
    public.app.state.receipt_limiter = StoredRateLimiter(public.runtime.sessions, capacity=3,
                                                         period=60.0, action="receipt")
    client = public.client()
    statuses = [_lookup(client, "0000-0000-0000-0000-0000").status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    assert _lookup(client, "0000-0000-0000-0000-0000").status_code == 429
    # The API's lookup draws on the same bucket for the same client address.
    api = client.post("/api/petitions/receipt", json={"code": "0000-0000-0000-0000-0000"})
    assert api.status_code == 429


def test_the_reporter_sees_received_while_judged_handling_once_issued_concluded_at_the_end(
    public: Public,
) -> None:
    client = public.client()
    collusion = {"title": "反映设备采购存在串标",
                 "text": "来信反映：某供应商在设备采购中与他人围标串标。"}
    code = _code(_file(client, collusion).text)
    quiet = _code(_file(client, {}).text)
    with public.runtime.sessions() as session:
        first, second = session.scalars(select(Signal.id).order_by(Signal.id)).all()
        ids = session.scalars(select(WarningSignal.warning_id).where(
            WarningSignal.signal_id == first)).all()
    assert ids, "the collusion report raises a warning"

    def status(receipt: str) -> str:
        found = re.search(r'id="report-status">([^<]+)<', _lookup(client, receipt).text)
        assert found
        return found.group(1)

    def warnings(**values: bool) -> None:
        with public.runtime.sessions() as session, session.begin():
            for warning in session.scalars(select(RiskWarning).where(RiskWarning.id.in_(ids))):
                for name, value in values.items():
                    setattr(warning, name, value)

    warnings(is_open=True, is_proposal=True)  # 待研判: only the office judges it
    assert status(code) == "已受理"
    warnings(is_open=True, is_proposal=False)  # 下达
    assert status(code) == "办理中"
    warnings(is_open=False)
    assert status(code) == "已办结"
    assert status(quiet) == "已受理"  # raised nothing
    with public.runtime.sessions() as session, session.begin():
        session.get(Signal, second).disposition = "dismissed"  # type: ignore[union-attr]
    assert status(quiet) == "已办结"  # 不予处理


def test_one_form_sent_twice_or_at_once_files_one_report(public: Public) -> None:
    """A double click, a reload that posts again, a replayed form: one report, one receipt;
    the others are told it was sent already (and nothing more is stored)."""
    client = public.client()
    form = client.get("/report")
    data = {"title": TITLE, "text": TEXT, "department": "CGZX", "person": "某科长",
            "anonymous": "1", "csrf_token": csrf_of(form.text), "form_key": _form_key(form.text)}
    before = public.counts()
    racers = 4
    barrier = threading.Barrier(racers)

    def send(_: int) -> httpx.Response:
        twin = TestClient(public.app, cookies=client.cookies, follow_redirects=False)
        barrier.wait()
        return twin.post("/report", data=data)

    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(send, range(racers)))
    answers.append(client.post("/report", data=data))  # and once more, later
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * racers, statuses
    assert all(SENT_ALREADY in a.text for a in answers if a.status_code == 409)
    assert public.counts()[:2] == (before[0] + 1, before[1] + 1)
    fresh = _form_key(next(a for a in answers if a.status_code == 409).text)
    assert fresh != data["form_key"]  # a new form may be sent on purpose


def test_the_api_refuses_one_external_id_sent_at_once_as_a_repeat(public: Public) -> None:
    office = public.office()
    racers = 4
    barrier = threading.Barrier(racers)

    def send(_: int) -> httpx.Response:
        twin = TestClient(public.app, cookies=office.cookies, follow_redirects=False)
        barrier.wait()
        return twin.post("/api/petitions", json={
            "channel": "petition", "external_id": "TWICE-1", "title": TITLE, "text": TEXT,
            "anonymous": True})

    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(send, range(racers)))
    assert sorted(a.status_code for a in answers) == [201] + [422] * (racers - 1)
    assert {a.json()["error"]["details"]["field"] if "details" in a.json()["error"]
            else a.json()["error"].get("field") for a in answers if a.status_code == 422} \
        == {"external_id"}


def test_the_access_log_keeps_no_reporter_address(public: Public) -> None:
    """The access line of a report or a receipt lookup, with its time, would name whoever
    filed or followed an anonymous report (on an intranet an address is a desk): the service
    logs no client address for them, and still does for every other route."""
    import io
    import json
    import logging

    from warning.ops.logs import PLAIN, JsonFormatter, ZonedFormatter

    address = "203.0.113.77"
    client = TestClient(public.app, follow_redirects=False, client=(address, 50123))
    stream = io.StringIO()
    handlers = [logging.StreamHandler(stream), logging.StreamHandler(stream)]
    handlers[0].setFormatter(JsonFormatter())
    handlers[1].setFormatter(ZonedFormatter(PLAIN))
    access = logging.getLogger("qingfeng.access")
    level = access.level
    for handler in handlers:
        access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        code = _code(_file(client, {}).text)
        assert _lookup(client, code).status_code == 200
        assert client.post("/api/petitions/receipt", json={"code": code}).status_code == 200
        reporter_lines = stream.getvalue()
        stream.seek(0)
        stream.truncate()
        client.get("/login")
    finally:
        for handler in handlers:
            access.removeHandler(handler)
        access.setLevel(level)
    routes = {json.loads(line)["route"] for line in reporter_lines.splitlines()
              if line.startswith("{")}
    assert routes == {"/report", "/report/lookup", "/api/petitions/receipt"}
    assert address not in reporter_lines
    assert address in stream.getvalue()  # other routes keep it for operations


def test_the_security_log_keeps_no_reporter_address(public: Public) -> None:
    """A reporter whose form expired, or who mistyped a receipt code, is refused (403, 404):
    the security log, kept a year and read by admins, keeps the refusal but not the address."""
    from warning.db.models import SecurityEvent

    address = "203.0.113.78"
    client = TestClient(public.app, follow_redirects=False, client=(address, 50124))
    assert client.post("/report", data={"title": TITLE, "text": TEXT, "anonymous": "1",
                                        "csrf_token": "expired.token"}).status_code == 403
    assert client.post("/api/petitions/receipt",
                       json={"code": "ABCD-EFGH-JKMN-PQRS-TVWX"}).status_code == 404
    assert _lookup(client, "ABCD-EFGH-JKMN-PQRS-TVWX").status_code == 404
    with public.runtime.sessions() as session:
        events = session.scalars(select(SecurityEvent)).all()
    assert {e.path for e in events} >= {"/report", "/api/petitions/receipt"}
    assert [e.address for e in events if e.address] == []
