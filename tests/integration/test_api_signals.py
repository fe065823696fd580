"""POST /api/signals and the read endpoints, including what bad input gets."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from warning.auth.users import add_user, issue_token
from warning.db.models import Signal
from warning.runtime import Runtime
from warning.web.api import cases, exports, signals, warnings
from warning.web.app import create_app
from warning.web.errors import install_error_handlers
from warning.web.pages import signal_form
from warning.web.pages import signals as signal_pages
from warning.web.pages.render import build_templates
from warning.web.security import SESSION_COOKIE


def _token(runtime: Runtime, name: str, role: str, department: str | None = None) -> str:
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name=name, role=role, department_code=department,
                        password="pw-" + name + "-12345")
        return issue_token(session, user=user)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """A client signed in as the office (纪检监察室) with an API token."""
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def _body(n: int, text: str = "反映设备采购中存在串标", **fields: object) -> dict[str, object]:
    return {"channel": "petition", "external_id": f"A-{n}", "title": f"来信{n}", "text": text,
            "department": "CGZX"} | fields


def _stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def test_post_signal_answers_201_with_warnings_then_200_with_the_same(client: TestClient) -> None:
    first = client.post("/api/signals", json=_body(1))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    assert [w["rule_id"] for w in body["warnings"]] == ["bid-collusion"]
    again = client.post("/api/signals", json=_body(1))
    assert again.status_code == 200
    assert again.json()["signal_id"] == body["signal_id"]
    assert again.json()["warnings"] == body["warnings"]


@pytest.mark.parametrize(("changed", "differs"), [
    ({"title": "来信(更正)"}, ["title"]),
    ({"department": "CWK"}, ["department"]),
    ({"amount": "100.00", "occurred_at": "2026-11-03T09:30:00+08:00"}, ["amount", "occurred_at"]),
    ({"person": "张三", "post": "采购员", "text": "另一件事"}, ["text", "person", "post"]),
])
def test_a_stored_external_id_posted_with_other_content_gets_409_and_changes_nothing(
    client: TestClient, runtime: Runtime, changed: dict[str, object], differs: list[str],
) -> None:
    first = client.post("/api/signals", json=_body(7, occurred_at="2026-11-02T01:30:00Z"))
    assert first.status_code == 201, first.text
    stored = client.get(f"/api/signals/{first.json()['signal_id']}").json()
    answer = client.post("/api/signals", json=_body(7, occurred_at="2026-11-02T01:30:00Z")
                         | changed)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "external_id_conflict" and error["field"] == "external_id"
    assert error["signal_id"] == first.json()["signal_id"] and error["differs"] == differs
    assert client.get(f"/api/signals/{error['signal_id']}").json() == stored
    assert _stored(runtime) == 1
    # the same instant in another zone is the same content
    same = client.post("/api/signals", json=_body(7, occurred_at="2026-11-02T09:30:00+08:00"))
    assert same.status_code == 200, same.text


def test_read_endpoints_show_the_signal_and_its_warning(client: TestClient) -> None:
    posted = client.post("/api/signals", json=_body(2, amount="12000.50")).json()
    signal = client.get(f"/api/signals/{posted['signal_id']}").json()
    assert signal["department"] == "CGZX" and signal["amount"] == "12000.50"
    warning_id = posted["warnings"][0]["id"]
    detail = client.get(f"/api/warnings/{warning_id}").json()
    assert detail["risk_point"] == "CG-001" and detail["signal_ids"] == [posted["signal_id"]]
    assert detail["response_label"] in {"风险提示", "谈话提醒", "诫勉谈话", "责令整改"}
    listed = client.get("/api/warnings", params={"department": "CGZX"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == warning_id
    assert {c["id"] for c in client.get("/api/channels").json()} == {"petition", "audit", "api"}
    assert "CG-001" in {p["code"] for p in client.get("/api/risk-points").json()}
    rules = client.get("/api/rules").json()
    assert {r["id"] for r in rules} >= {"bid-collusion", "split-purchase"}
    assert all(not Path(r["file"]).is_absolute() and r["file"].endswith(".yaml")
               for r in rules), rules  # relative to the rules directory: no server path
    assert client.get("/healthz").json()["status"] == "ok"


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/signals", "/api/signals/{signal_id}", "/api/warnings",
                 "/api/warnings/{warning_id}", "/api/channels", "/api/risk-points",
                 "/api/rules", "/healthz"):
        assert path in paths


@pytest.mark.parametrize(
    ("content", "headers", "status", "code", "says"),
    [
        (b'{"channel": "petition", ', {}, 422, "invalid_request", "JSON"),
        (b'{"channel": 5, "external_id": "x", "title": "t"}', {}, 422, "invalid_request",
         "channel"),
        (b'{"channel": "petition", "external_id": "x", "title": "t", "amount": "lots"}', {}, 422,
         "invalid_request", "amount"),
        (b'{"channel": "nope", "external_id": "x", "title": "t"}', {}, 422, "unknown_channel",
         "nope"),
        (b'{"channel": "petition", "external_id": "x", "title": "\xff\xfe"}', {}, 400,
         "invalid_body", "UTF-8"),
        (b'{"channel": "petition", "external_id": "x"}', {}, 422, "invalid_request", "title"),
        (b'{"channel": "petition", "external_id": "x", "title": "t", "title": "u"}', {}, 422,
         "invalid_request", "title"),
        (b'{"channel": "petition", "external_id": "x", "title": "t", "extra": {"a": 1, "a": 2}}',
         {}, 422, "invalid_request", "出现两次"),
        (b'{"channel": "petition", "external_id": "x", "title": "t", "bogus": 1}', {}, 422,
         "invalid_request", "bogus"),
    ],
)
def test_bad_input_gets_4xx_naming_the_problem_and_stores_nothing(
    client: TestClient, runtime: Runtime, content: bytes, headers: dict[str, str], status: int,
    code: str, says: str,
) -> None:
    response = client.post(
        "/api/signals", content=content, headers={"content-type": "application/json"} | headers
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert says in error["message"] + error["message_en"] + str(error.get("details", ""))
    assert _stored(runtime) == 0


def test_ten_megabyte_body_is_refused_with_413(client: TestClient, runtime: Runtime) -> None:
    big = b'{"channel": "petition", "external_id": "x", "title": "t", "text": "' + (
        "举" * (10 * 1024 * 1024 // 3)
    ).encode() + b'"}'
    response = client.post("/api/signals", content=big,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert _stored(runtime) == 0


def test_unknown_risk_point_filter_and_missing_ids_answer_clearly(client: TestClient) -> None:
    response = client.get("/api/warnings", params={"risk_point": "ZZ-999"})
    assert response.status_code == 422
    assert "ZZ-999" in response.json()["error"]["message"]
    assert client.get("/api/warnings/999999").status_code == 404
    assert client.get("/api/signals/999999").json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("field", ["state", "department", "risk_point"])
def test_a_warning_filter_that_names_nothing_is_refused_not_an_empty_list(
    client: TestClient, field: str,
) -> None:
    """`/api/warnings?state=bogus` answered 200 with no items, as if there were none."""
    assert client.post("/api/signals", json=_body(60)).status_code == 201
    response = client.get("/api/warnings", params={field: "bogus"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and "bogus" in error["message"]


@pytest.mark.parametrize("state", ["", "open", "overdue", "issued", "closed"])
def test_the_warning_list_filters_as_the_export_does(client: TestClient, state: str) -> None:
    for n in range(61, 64):
        assert client.post("/api/signals", json=_body(n, department="CGZX")).status_code == 201
    assert client.post("/api/signals", json=_body(64, department="CWK")).status_code == 201
    params = {"state": state, "department": "CGZX"}
    listed = client.get("/api/warnings", params=params)
    assert listed.status_code == 200, listed.text
    exported = client.get("/api/warnings/export", params=params | {"format": "csv"})
    lines = exported.content.decode("utf-8-sig").splitlines()[1:]
    assert sorted(w["id"] for w in listed.json()["items"]) == sorted(
        int(line.split(",", 1)[0]) for line in lines)
    if state in ("", "open", "issued"):
        assert listed.json()["total"] >= 1


def test_api_needs_a_token_and_the_office_role_to_log_signals(
    client: TestClient, runtime: Runtime
) -> None:
    anonymous = client.post("/api/signals", json=_body(50), headers={"Authorization": ""})
    assert anonymous.status_code == 401
    handler = _token(runtime, "cw", "handler", "CWK")
    refused = client.post("/api/signals", json=_body(51),
                          headers={"Authorization": f"Bearer {handler}"})
    assert refused.status_code == 403
    assert _stored(runtime) == 0


def test_a_handler_never_sees_another_departments_warning(
    client: TestClient, runtime: Runtime
) -> None:
    posted = client.post("/api/signals", json=_body(60)).json()
    warning_id = posted["warnings"][0]["id"]
    own = {"Authorization": f"Bearer {_token(runtime, 'cg', 'handler', 'CGZX')}"}
    other = {"Authorization": f"Bearer {_token(runtime, 'cw', 'handler', 'CWK')}"}
    assert client.get(f"/api/warnings/{warning_id}", headers=own).status_code == 200
    assert client.get(f"/api/warnings/{warning_id}", headers=other).status_code == 404
    assert client.get("/api/warnings", headers=own).json()["total"] == 1
    listed = client.get("/api/warnings", headers=other).json()
    assert listed == {"total": 0, "items": []}
    assert client.get(f"/api/signals/{posted['signal_id']}", headers=own).status_code == 403



FIXED_PATHS = ("/api/signals/export", "/api/signals/cases", "/api/warnings/export")


def _app_with_ids_first(runtime: Runtime) -> FastAPI:
    """Return the signal and warning routes with each `{id}` route included before fixed ones."""
    app = FastAPI()
    app.state.runtime = runtime
    app.state.page_templates = build_templates(runtime.settings.timezone)
    install_error_handlers(app)
    for router in (signals.router, warnings.router, signal_pages.router, signal_form.router,
                   cases.router, exports.router):
        app.include_router(router)
    return app


def test_fixed_paths_win_over_ids_whatever_the_route_order(runtime: Runtime) -> None:
    token = _token(runtime, "office", "office")
    with TestClient(_app_with_ids_first(runtime), cookies={SESSION_COOKIE: token}) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        for path in FIXED_PATHS:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text)
        assert "登记信号" in client.get("/signals/new").text
        for path in ("/api/signals/abc", "/api/warnings/abc", "/api/signals/1x", "/signals/abc"):
            refused = client.get(path)
            assert refused.status_code in (404, 422), (path, refused.text)
            assert set(refused.json()["error"]) >= {"code", "message", "message_en"}
    with TestClient(create_app(runtime), cookies={SESSION_COOKIE: token},
                    headers={"Accept": "text/html"}) as client:
        page = client.get("/signals/abc")
        assert page.status_code == 404 and "<html" in page.text
        for path in ("/api/signals/99999999999999999999", "/api/warnings/2147483648"):
            huge = client.get(path, headers={"Accept": "*/*"})
            assert huge.status_code == 422 and huge.json()["error"]["code"] == "invalid_request"
        assert client.get("/signals/2147483648").status_code == 404
