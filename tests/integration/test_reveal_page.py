"""The reporter panel of a petition's page: the office reveals with a reason, nobody else."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.petition_world import REPORTER, SECRET_WORD, World, build_world, csrf_of
from warning.auth.visibility import REDACTED_TEXT
from warning.db.models import ReporterReveal
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    app = create_app(runtime)
    cipher = ReporterCipher([generate_key()])
    app.state.reporter_cipher = cipher
    yield build_world(runtime, app, cipher)


def _reveal(
    client: TestClient, signal_id: int, reason: str, token: str | None = None
) -> httpx.Response:
    page = client.get(f"/signals/{signal_id}")
    return client.post(f"/signals/{signal_id}/reveal",
                       data={"reason": reason, "csrf_token": token or csrf_of(page.text)})


def _reveals(runtime: Runtime) -> list[tuple[int, str, str]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(ReporterReveal).order_by(ReporterReveal.id))
        return [(r.signal_id, r.actor, r.reason) for r in rows]


def _no_reporter(html: str) -> None:
    for value in REPORTER.values():
        assert value not in html


def test_office_reveals_with_a_reason_on_this_response_only_and_it_is_logged(
    world: World, runtime: Runtime,
) -> None:
    office = world.client("office")
    page = office.get(f"/signals/{world.first}")
    assert page.status_code == 200
    assert 'id="reveal-form"' in page.text and "查看事由" in page.text
    assert "尚无人查看过举报人" in page.text
    _no_reporter(page.text)

    shown = _reveal(office, world.first, "需联系举报人补充材料")
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    html = shown.text
    assert f'<dd id="reporter-name">{REPORTER["name"]}</dd>' in html
    assert REPORTER["contact"] in html and "本次查看已于" in html
    assert _reveals(runtime) == [(world.first, "user:office", "需联系举报人补充材料")]

    again = office.get(f"/signals/{world.first}")
    _no_reporter(again.text)
    assert again.headers["cache-control"] == "no-store"
    assert 'id="reveal-history"' in again.text and "需联系举报人补充材料" in again.text


def test_an_anonymous_report_reveals_as_anonymous(world: World, runtime: Runtime) -> None:
    shown = _reveal(world.client("admin"), world.repeats[0], "核实是否匿名来信")
    assert shown.status_code == 200
    assert "匿名举报" in shown.text
    assert _reveals(runtime) == [(world.repeats[0], "user:admin", "核实是否匿名来信")]


def test_a_short_reason_or_a_forged_form_reveals_nothing(world: World, runtime: Runtime) -> None:
    office = world.client("office")
    short = _reveal(office, world.first, "核查")
    assert short.status_code == 422
    assert "至少 4 个字" in short.text
    _no_reporter(short.text)
    forged = _reveal(office, world.first, "需联系举报人补充材料", token="forged.token")
    assert forged.status_code == 403
    _no_reporter(forged.text)
    assert _reveals(runtime) == []


def test_handlers_and_reviewers_see_no_form_and_cannot_post(
    world: World, runtime: Runtime,
) -> None:
    handler = world.client("handler_a")
    assert handler.get(f"/signals/{world.first}").status_code == 404
    token = csrf_of(handler.get("/signals").text)
    refused = handler.post(f"/signals/{world.first}/reveal",
                           data={"reason": "我想看看是谁", "csrf_token": token})
    assert refused.status_code == 404
    _no_reporter(refused.text)

    reviewer = world.client("reviewer")
    page = reviewer.get(f"/signals/{world.first}")
    assert page.status_code == 200 and SECRET_WORD not in page.text
    assert REDACTED_TEXT in page.text
    assert 'id="reveal-form"' not in page.text and 'id="reporter"' not in page.text
    _no_reporter(page.text)
    refused = reviewer.post(f"/signals/{world.first}/reveal",
                            data={"reason": "监督检查需要", "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 404
    _no_reporter(refused.text)
    assert _reveals(runtime) == []


def test_office_staff_of_the_department_reported_on_are_refused(
    world: World, runtime: Runtime,
) -> None:
    own = world.client("office_a")
    page = own.get(f"/signals/{world.first}")
    assert "您属于被反映部门" in page.text and 'id="reveal-form"' not in page.text
    refused = _reveal(own, world.first, "需联系举报人补充材料")
    assert refused.status_code == 403
    _no_reporter(refused.text)
    assert _reveals(runtime) == []


def test_without_a_key_the_page_says_so_in_chinese(world: World, runtime: Runtime) -> None:
    world.app.state.reporter_cipher = None
    office = world.client("office")
    page = office.get(f"/signals/{world.first}")
    assert "未配置举报人信息密钥" in page.text and "QINGFENG_REPORTER_KEY" in page.text
    assert 'id="reveal-form"' not in page.text
    refused = office.post(f"/signals/{world.first}/reveal",
                          data={"reason": "需联系举报人补充材料", "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 503 and "未配置举报人信息密钥" in refused.text
    assert _reveals(runtime) == []


def test_signals_of_open_channels_have_no_reporter_panel(world: World) -> None:
    office = world.client("office")
    page = office.get(f"/signals/{world.audit_a}")
    assert page.status_code == 200 and 'id="reporter"' not in page.text
    token = csrf_of(page.text)
    posted = office.post(f"/signals/{world.audit_a}/reveal",
                         data={"reason": "需联系举报人补充材料", "csrf_token": token})
    assert posted.status_code == 404
