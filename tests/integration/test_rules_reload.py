"""Rules reload in a running service: a bad file is refused whole, a good one takes effect."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from warning.auth.users import add_user, issue_token
from warning.runtime import Runtime
from warning.web.app import create_app


@pytest.fixture
def office(runtime: Runtime) -> Iterator[TestClient]:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="office", role="office", password="pw-office-123")
        token = issue_token(session, user=user)
    with TestClient(create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _post(client: TestClient, n: int, text: str) -> list[str]:
    answer = client.post("/api/signals", json={
        "channel": "petition", "external_id": f"R-{n}", "title": f"来信{n}", "text": text,
        "department": "CGZX"})
    assert answer.status_code == 201, answer.text
    return [w["rule_id"] for w in answer.json()["warnings"]]


def test_a_bad_rule_file_is_refused_whole_and_the_rules_in_force_stay(
    office: TestClient, rules_dir: Path
) -> None:
    before = office.get("/api/rules/status").json()
    assert before["problems"] == [] and before["rules"] > 0
    (rules_dir / "zz-new.yaml").write_text(
        "rules:\n  - id: bribe-gift\n    name: 收受礼金\n    risk_point: CG-001\n"
        "    when:\n      text:\n        any: [礼金]\n"
        "  - id: broken\n    name: 坏规则\n    risk_point: NO-SUCH-POINT\n"
        "    when:\n      text:\n        any: ['(']\n",
        encoding="utf-8",
    )
    refused = office.post("/api/rules/reload")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "rules_refused"
    assert any("zz-new.yaml:10: broken:" in p for p in error["problems"])
    status = office.get("/api/rules/status").json()
    assert status["rules"] == before["rules"] and status["problems"]
    assert not any(name.endswith("zz-new.yaml") for name in status["files"])
    assert _post(office, 1, "收受礼金") == []  # the good rule of a refused file is not in force
    assert _post(office, 2, "反映串标") == ["bid-collusion"]  # the old rules still are

    (rules_dir / "zz-new.yaml").write_text(
        "rules:\n  - id: bribe-gift\n    name: 收受礼金\n    risk_point: CG-001\n"
        "    when:\n      text:\n        any: [礼金]\n",
        encoding="utf-8",
    )
    accepted = office.post("/api/rules/reload")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["problems"] == []
    assert any(name.endswith("zz-new.yaml") for name in accepted.json()["files"])
    assert _post(office, 3, "又反映收受礼金") == ["bribe-gift"]


def test_only_the_office_may_reload(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="rev", role="reviewer", password="pw-rev-12345")
        token = issue_token(session, user=user)
    with TestClient(create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.post("/api/rules/reload").status_code == 403
        assert client.get("/api/rules/status").status_code == 200
