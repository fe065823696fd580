"""Every operation answers with a content type its OpenAPI document names (schemathesis'
content_type_conformance): /metrics, Prometheus text, was documented as JSON."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_api_signals import _token
from warning.runtime import Runtime
from warning.web.app import create_app


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def _bare(media_type: str) -> str:
    return media_type.split(";")[0].strip()


def test_every_parameterless_get_answers_with_a_documented_content_type(
    client: TestClient,
) -> None:
    failures = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        answer = client.get(path)
        documented = {_bare(t) for t in
                      get["responses"].get(str(answer.status_code), {}).get("content", {})}
        shown = _bare(answer.headers.get("content-type", ""))
        if documented and shown not in documented:
            failures.append(f"GET {path} {answer.status_code}: {shown} not in {documented}")
    assert failures == []
