"""Validation at the edge: ids, offsets, NUL in query/path/form, chunked bodies, OpenAPI.

The class: every route, every parameter of each kind; not one example route.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.page_client import build_site
from tests.integration.test_api_signals import _token
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE

COMMON = {"400", "401", "403", "404", "413", "422"}


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def _operations(client: TestClient) -> list[tuple[str, str, dict]]:
    spec = client.get("/openapi.json").json()
    return [(method, path, op) for path, ops in spec["paths"].items()
            for method, op in ops.items()]


def test_every_operation_documents_the_common_errors_with_the_error_body(
    client: TestClient,
) -> None:
    for method, path, op in _operations(client):
        assert set(op["responses"]) >= COMMON, (method, path, sorted(op["responses"]))
        for status, answer in op["responses"].items():
            if status.startswith("4") or status.startswith("5"):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)


def test_every_id_path_parameter_is_bounded_to_1_and_2_31_minus_1(client: TestClient) -> None:
    for method, path, op in _operations(client):
        ids = [p for p in op.get("parameters", []) if p["in"] == "path"]
        if not ids:
            continue
        for value in ("0", "2147483648", "99999999999999999999"):
            url = path
            for parameter in ids:
                url = url.replace("{" + parameter["name"] + "}", value)
            answer = client.request(method.upper(), url, json={})
            assert answer.status_code == 422, (method, url, answer.text)


def test_every_int_query_parameter_is_bounded(client: TestClient) -> None:
    for _method, path, op in _operations(client):
        for parameter in op.get("parameters", []):
            schema = parameter.get("schema", {})
            kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if parameter["in"] != "query" or "integer" not in kinds:
                continue
            bounded = schema if "maximum" in schema else next(
                s for s in schema["anyOf"] if s.get("type") == "integer")
            assert "maximum" in bounded and "minimum" in bounded, (path, parameter["name"])
            answer = client.get(path, params={parameter["name"]: str(2**63)})
            assert answer.status_code == 422, (path, parameter["name"], answer.text)


def test_nul_in_any_query_filter_is_refused_naming_it(client: TestClient) -> None:
    for method, path, op in _operations(client):
        if method != "get" or "{" in path:
            continue
        for parameter in op.get("parameters", []):
            if parameter["in"] != "query":
                continue
            answer = client.get(path, params={parameter["name"]: "a\x00b"})
            assert answer.status_code == 422, (path, parameter["name"], answer.text)
            assert parameter["name"] in answer.json()["error"]["field"]


def test_nul_in_a_path_or_a_form_field_is_refused(client: TestClient) -> None:
    answer = client.get("/api/signals/cases%00")
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "path"
    answer = client.post("/login", data={"name": "a\x00", "password": "x"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "form.name"


def test_a_chunked_body_over_the_limit_gets_413_on_every_body_route(
    client: TestClient, runtime: Runtime
) -> None:
    limit = runtime.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(limit // 1_000_000 + 1):
            yield b"x" * 1_000_000
        yield b'"}'

    for method, path, _ in _operations(client):
        if method != "post":
            continue
        url = path.replace("{warning_id}", "1").replace("{signal_id}", "1")
        answer = client.post(url, content=chunks(), headers={"content-type": "application/json"})
        assert answer.status_code == 413, (url, answer.text[:200])
        assert answer.json()["error"]["code"] == "body_too_large"


def test_nul_in_a_multipart_page_form_field_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    site = build_site(runtime, tmp_path)
    client = site.client("office")
    for field in ("title", "text", "person"):
        client.get("/signals/new")  # the page sets the session's CSRF cookie
        answer = client.post("/signals/new", data={
            "csrf_token": client.cookies[COOKIE], "channel": "petition", "external_id": "N-1",
            "title": "标题", field: "坏\x00的"}, files={"attachment": ("a.txt", b"x")})
        assert answer.status_code == 422, (field, answer.text[:300])
        assert answer.json()["error"]["field"] == f"form.{field}"
