"""The office sees each notice's deliveries (API and page); webhook keys stay hidden."""

import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.page_client import Site, build_site
from tests.integration.test_outbox_delivery import hook  # noqa: F401 - a shared fixture
from warning.notify.worker import deliver_once
from warning.runtime import Runtime
from warning.scheduler import notify_config
from warning.services.signal_input import SignalIn


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def delivered(runtime: Runtime, tmp_path: Path, hook) -> Site:  # type: ignore[no-untyped-def]  # noqa: F811
    """Two issued notices: 采购中心's webhook answers, the fallback ("*") refuses."""
    _, base = hook
    site = build_site(runtime, tmp_path)
    outcome = runtime.intake.ingest([SignalIn(
        channel="petition", external_id="PAGE-2", title="反映报销串标",
        text="财务科经办人与供应商串标。", department="CWK")])[0]
    assert outcome.warnings, outcome
    runtime.settings = runtime.settings.model_copy(update={"webhook_urls": {
        "department:CGZX": f"{base}/ok?key=SECRET-CG",
        "*": f"http://127.0.0.1:{_closed_port()}/send?key=SECRET-ALL",
    }})
    config = replace(notify_config(runtime), max_attempts=2)
    assert config.webhooks["department:CGZX"].endswith("SECRET-CG")
    run = deliver_once(runtime.sessions, config)
    assert (run.sent, run.retried) == (1, 1), run
    return site


def _get(site: Site, who: str, query: str = "") -> dict:  # type: ignore[type-arg]
    answer = site.client(who).get(f"/api/notices{query}")
    assert answer.status_code == 200, answer.text
    assert "SECRET" not in answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_the_office_lists_notices_by_delivery_state(delivered: Site) -> None:
    site = delivered
    assert _get(site, "office")["total"] == 2
    sent = _get(site, "office", "?state=sent")["items"]
    assert [(n["warning_id"], n["kind"], n["state_label"]) for n in sent] == [
        (site.warning_id, "issued", "已送达")]
    assert sent[0]["audience_name"] == "采购中心" and "body" not in sent[0]
    assert [(d["channel"], d["status"], d["attempts"], d["target"]) for d in
            sent[0]["deliveries"]] == [("webhook", "sent", 1, "http://127.0.0.1/…")]
    pending = _get(site, "office", "?state=pending")["items"]
    delivery = pending[0]["deliveries"][0]
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert "ConnectError" in delivery["last_error"] and delivery["next_attempt_at"] is not None

    later = datetime.now(UTC) + timedelta(hours=2)
    config = replace(notify_config(site.runtime), max_attempts=2)
    assert deliver_once(site.runtime.sessions, config, now=later).failed == 1
    failed = _get(site, "office", "?state=failed")["items"]
    assert [n["id"] for n in failed] == [pending[0]["id"]]
    assert failed[0]["deliveries"][0]["next_attempt_at"] is None
    assert _get(site, "office", "?state=pending")["total"] == 0


def test_only_the_office_may_read_notices(delivered: Site) -> None:
    for who in ("cg", "reviewer"):
        assert delivered.client(who).get("/api/notices").status_code == 403
    office = delivered.client("office")
    assert office.get("/api/notices?state=lost").status_code == 422
    schema = office.get("/openapi.json").json()
    ok = schema["paths"]["/api/notices"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/NoticePage")


def test_the_notices_page_shows_deliveries_to_the_office_only(delivered: Site) -> None:
    office = delivered.client("office")
    page = office.get("/notices")
    assert page.status_code == 200 and "SECRET" not in page.text
    assert page.text.count('class="notice-row') == 2
    assert "群机器人" in page.text and "已送达" in page.text and "待发送" in page.text
    assert 'href="/notices"' in page.text  # the nav link
    only_sent = office.get("/notices?state=sent").text
    assert only_sent.count('class="notice-row') == 1
    assert delivered.client("cg").get("/notices").status_code == 404
    assert 'href="/notices"' not in delivered.client("cg").get("/inbox").text
