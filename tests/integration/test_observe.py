"""/metrics from the database, /readyz open and detailed, JSON access log, token purge."""

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.auth.users import add_user, issue_token
from warning.db.leases import hold
from warning.db.models import ApiToken, LoginFailure, SecurityEvent, User
from warning.ops.logs import JsonFormatter
from warning.ops.purge import purge_expired_tokens, purge_security_records
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app

SCRAPER = ("127.0.0.1", 50000)  # Prometheus on the machine itself


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), client=SCRAPER)


def _token(runtime: Runtime, role: str = "reviewer") -> str:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name=f"ops-{role}", role=role,
                        department_code="CGZX" if role == "handler" else None)
        return issue_token(session, user=user)


def _value(text: str, prefix: str) -> float:
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{prefix} not in metrics:\n{text}")


def test_metrics_count_from_the_database(runtime: Runtime, client: TestClient) -> None:
    client.get("/healthz")  # the app is built: evaluations are timed from here on
    outcomes = runtime.intake.ingest([
        SignalIn(channel="petition", external_id=f"M-{n}", title="反映设备采购存在串标",
                 text="某供应商与他人围标串标。", department="CGZX") for n in range(3)])
    assert all(o.warnings for o in outcomes[:1])
    client.get("/healthz")
    text = client.get("/metrics").text
    assert _value(text, 'qingfeng_signals{channel="petition",status="evaluated"}') == 3
    assert sum(_value(text, line.split(" ")[0]) for line in text.splitlines()
               if line.startswith("qingfeng_warnings{")) >= 1
    assert _value(text, "qingfeng_outbox_backlog") >= 0
    assert _value(text, "qingfeng_overdue_records") == 0
    assert 'qingfeng_http_request_seconds_count{method="GET",route="/healthz",status="200"}' \
        in text
    assert _value(text, "qingfeng_evaluation_seconds_count") == 1  # one batch of three
    other = TestClient(create_app(runtime), client=SCRAPER).get("/metrics").text  # another worker
    assert _value(other, 'qingfeng_signals{channel="petition",status="evaluated"}') == 3


def test_metrics_are_for_allowed_networks_and_the_office_only(runtime: Runtime) -> None:
    """The counts move with every petition and proposal: nobody else may poll them."""
    with runtime.sessions() as session, session.begin():
        tokens = {role: issue_token(session, user=add_user(
            session, name=f"m-{role}", role=role,
            department_code="CGZX" if role == "handler" else None))
            for role in ("office", "admin", "handler", "leader", "reviewer")}
    app = create_app(runtime)
    outside = TestClient(app, client=("203.0.113.9", 40000))
    assert outside.get("/metrics").status_code == 404
    for role, token in tokens.items():
        answer = outside.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == (200 if role in ("office", "admin") else 404), role
    assert TestClient(app, client=("::1", 40000)).get("/metrics").status_code == 200
    runtime.settings.metrics_networks = "10.1.0.0/16"
    wider = create_app(runtime)
    assert TestClient(wider, client=("10.1.2.3", 1)).get("/metrics").status_code == 200
    assert TestClient(wider, client=SCRAPER).get("/metrics").status_code == 404


def test_metrics_are_not_for_clients_a_local_proxy_relays(runtime: Runtime) -> None:
    """nginx on the machine relays every client from 127.0.0.1: without trusted proxies set,
    the forwarding headers still say the caller is elsewhere, and it is refused."""
    local = TestClient(create_app(runtime), client=SCRAPER)
    for headers in ({"X-Forwarded-For": "203.0.113.9"}, {"X-Real-IP": "203.0.113.9"},
                    {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}):
        assert local.get("/metrics", headers=headers).status_code == 404, headers
    # Prometheus through the proxy from the machine itself, and straight to the service
    assert local.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1",
                                          "X-Real-IP": "127.0.0.1"}).status_code == 200
    assert local.get("/metrics").status_code == 200
    runtime.settings.trusted_proxies = "127.0.0.1"
    behind = TestClient(create_app(runtime), client=SCRAPER)
    assert behind.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert behind.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_readyz_is_open_and_details_are_for_the_office_and_admins(
    runtime: Runtime, client: TestClient
) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    booleans = {"database": True, "migrations": True, "rules": True, "scheduler": True}
    assert body["checks"] == booleans
    for role in ("office", "admin"):
        token = _token(runtime, role)
        detailed = client.get("/readyz", headers={"Authorization": f"Bearer {token}"}).json()
        assert "rules" in str(detailed["checks"]["rules"]["detail"])
        assert "head" in str(detailed["checks"]["migrations"]["detail"])
    for role in ("handler", "leader", "reviewer"):  # a database error names server and account
        token = _token(runtime, role)
        plain = client.get("/readyz", headers={"Authorization": f"Bearer {token}"}).json()
        assert plain["checks"] == booleans, role


def test_readyz_is_503_without_rules(runtime: Runtime) -> None:
    runtime.rules._in_force = None  # type: ignore[attr-defined]  # as before the first load
    answer = TestClient(create_app(runtime)).get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["rules"] is False


def test_the_access_log_is_json_with_the_request_id(client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("qingfeng.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        answer = client.get("/login", headers={"X-Request-ID": "req-42"})
        generated = client.get("/api/channels")
        probe = client.get("/healthz")  # an answered probe is nothing that happened: no line
    finally:
        access.removeHandler(handler)
    assert answer.headers["x-request-id"] == "req-42"
    assert len(generated.headers["x-request-id"]) == 32
    assert probe.status_code == 200 and probe.headers["x-request-id"]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert (first["request_id"], first["route"], first["status"]) == ("req-42", "/login", 200)
    assert lines[1]["status"] == 401 and lines[1]["route"] == "/api/channels"
    assert len(lines) == 2


def test_expired_sessions_and_old_revoked_tokens_are_purged(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="u", role="reviewer")
        issue_token(session, user=user, kind="session", now=now - timedelta(days=1))
        issue_token(session, user=user, kind="session", now=now)
        issue_token(session, user=user, label="api")
        old = issue_token(session, user=user, label="revoked")
        assert old
    with runtime.sessions() as session, session.begin():
        revoked = session.scalars(select(ApiToken).where(ApiToken.label == "revoked")).one()
        revoked.revoked_at = now - timedelta(days=31)
    assert purge_expired_tokens(runtime.sessions, now) == 2
    with runtime.sessions() as session:
        left = session.scalars(select(ApiToken).join(User).where(User.name == "u")).all()
        assert sorted(t.kind for t in left) == ["api", "session"]


def test_security_log_and_stale_failed_sign_ins_are_purged_after_their_keeping_time(
        runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.sessions() as session, session.begin():
        for days, kind in ((400, "old"), (364, "kept")):
            session.add(SecurityEvent(at=now - timedelta(days=days), kind=kind))
        for hours, name in ((30, "stale"), (1, "recent")):
            session.add(LoginFailure(at=now - timedelta(hours=hours), user_name=name,
                                     address="127.0.0.1"))
    purged = purge_security_records(runtime.sessions, log_days=365,
                                    failure_window=timedelta(days=1), now=now)
    assert purged == 2
    with runtime.sessions() as session:
        assert session.scalars(select(SecurityEvent.kind)).all() == ["kept"]
        assert session.scalars(select(LoginFailure.user_name)).all() == ["recent"]



@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def test_metrics_show_proposals_waiting_and_the_scheduler_leader(world: TriageWorld) -> None:
    runtime = world.runtime
    client = TestClient(create_app(runtime), client=SCRAPER)
    text = client.get("/metrics").text
    assert _value(text, "qingfeng_proposals_waiting") == 0
    assert "qingfeng_scheduler_leader{" not in text  # nobody has held the lease yet
    world.petition(1)  # a petition starts as a proposal (待研判)
    now = datetime.now(UTC)
    assert hold(runtime.sessions, "scheduler", "host-a:1:x", 15, now)
    text = client.get("/metrics").text
    assert _value(text, "qingfeng_proposals_waiting") == 1
    assert _value(text, 'qingfeng_scheduler_leader{owner="host-a:1:x"}') == 1
    assert hold(runtime.sessions, "scheduler", "host-a:1:x", 15, now - timedelta(minutes=1))
    lapsed = client.get("/metrics").text  # the leader died: its lease ran out
    assert _value(lapsed, 'qingfeng_scheduler_leader{owner="host-a:1:x"}') == 0
