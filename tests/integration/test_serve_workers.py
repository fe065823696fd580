"""`qingfeng serve --workers 2`: two HTTP processes store each signal once."""

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from tests.integration.live_server import serve
from warning.auth.users import add_user, issue_token
from warning.db.models import HandlingRecord, RiskWarning, Signal
from warning.runtime import Runtime


@pytest.fixture
def served(runtime: Runtime) -> Iterator[str]:
    """Run `qingfeng serve --workers 2 --no-scheduler` on the test database."""
    with serve(runtime, workers=2) as base:
        yield base


def test_two_workers_store_each_signal_once_and_raise_its_warning(
    runtime: Runtime, served: str
) -> None:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office", password="pw-office-123")
        token = issue_token(session, user=user)
    headers = {"Authorization": f"Bearer {token}"}
    bodies = [
        {"channel": "petition", "external_id": f"W-{n % 30}", "title": f"来信{n % 30}",
         "text": f"反映采购中心设备采购中存在串标，涉及人员{n % 30}号", "department": "CGZX",
         "person": f"人员{n % 30}"}
        for n in range(60)
    ]

    def post(body: dict[str, object]) -> httpx.Response:
        return httpx.post(f"{served}/api/signals", json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, bodies))
    assert {a.status_code for a in answers} <= {200, 201}, [a.text for a in answers]
    assert sum(a.status_code == 201 for a in answers) == 30
    by_key: dict[str, set[int]] = {}
    for body, answer in zip(bodies, answers, strict=True):
        by_key.setdefault(str(body["external_id"]), set()).add(answer.json()["signal_id"])
    assert all(len(ids) == 1 for ids in by_key.values())
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == 30
        assert session.scalar(select(func.count()).select_from(RiskWarning)) == 30
        versions = session.scalars(select(HandlingRecord.version)).all()
        assert versions == [1] * 30


def test_a_form_from_one_worker_is_accepted_by_the_other(runtime: Runtime, served: str) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="jjjcs", role="office", password="pw-office-123")
    outcomes = []
    for _ in range(12):  # a new connection each time: SO_REUSEPORT spreads them over both
        with httpx.Client(base_url=served, follow_redirects=False) as first:
            page = first.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            cookies = dict(first.cookies)
        with httpx.Client(base_url=served, follow_redirects=False, cookies=cookies) as second:
            answer = second.post("/login", data={
                "csrf_token": token.group(1), "name": "jjjcs", "password": "pw-office-123"})
        outcomes.append(answer.status_code)
    assert outcomes == [303] * 12, outcomes
