"""The signal form sent twice (a double click, a reload that posts again) logs one signal."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.petition_world import csrf_of
from tests.integration.test_petition_form import Office, office  # noqa: F401 (fixture)
from warning.db.models import Signal


def _form(client: TestClient) -> dict[str, str]:
    """Return the hidden fields of one freshly opened signal form."""
    page = client.get("/signals/new").text
    hidden = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', page))
    assert hidden.get("csrf_token") == csrf_of(page)
    return hidden


def _signal_id(location: str) -> int:
    return int(location.split("/")[2].split("?")[0])


def test_the_same_form_sent_twice_logs_one_signal(office: Office) -> None:  # noqa: F811
    client = office.client()
    data = _form(client) | {"channel": "audit", "title": "办公家具采购拆分F77",
                            "text": "同一批次拆分为三次采购。", "department": "CGZX"}
    before, _ = office.counts()
    first = client.post("/signals/new", data=data)
    again = client.post("/signals/new", data=data)
    assert first.status_code == 303 and again.status_code == 303, again.text[:2000]
    assert _signal_id(again.headers["location"]) == _signal_id(first.headers["location"])
    assert "result=repeat" in again.headers["location"]
    assert office.counts()[0] == before + 1
    other = client.post("/signals/new", data=_form(client) | {
        k: v for k, v in data.items() if k not in ("csrf_token", "form_key")})
    assert other.status_code == 303 and office.counts()[0] == before + 2  # a new form: new


def test_an_anonymous_petition_sent_twice_is_filed_once(office: Office) -> None:  # noqa: F811
    client = office.client()
    data = _form(client) | {"channel": "petition", "title": "匿名来信反映采购中心F78",
                            "text": "来信反映采购中心科长收受礼金。", "department": "CGZX",
                            "anonymous": "1", "intake_mode": "letter"}
    before = office.counts()
    first = client.post("/signals/new", data=data)
    assert first.status_code == 200 and "回执码" in first.text, first.text[:2000]
    again = client.post("/signals/new", data=data)
    assert office.counts() == (before[0] + 1, before[1] + 1)
    assert again.status_code == 303, again.text[:2000]
    with office.runtime.sessions() as session:
        filed = session.scalar(select(Signal.id).where(Signal.title == data["title"]))
    assert again.headers["location"] == f"/signals/{filed}?result=repeat"
    shown = client.get(again.headers["location"]).text
    assert "这份表单已经提交过" in shown and "回执码只在第一次提交后显示" in shown
