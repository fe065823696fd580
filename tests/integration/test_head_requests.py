"""HEAD is answered as GET without a body: monitors probe /healthz and pages with HEAD, and
every route answered 405."""

import pytest
from fastapi.testclient import TestClient

from warning.runtime import Runtime
from warning.web.app import create_app


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/login", "/", "/report",
                                  "/static/app.css", "/no-such-page"])
def test_head_answers_what_get_answers_without_the_body(runtime: Runtime, path: str) -> None:
    with TestClient(create_app(runtime), follow_redirects=False,
                    raise_server_exceptions=False) as client:
        got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code != 405, (path, head.status_code)
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")


def test_head_of_a_post_only_route_is_still_refused(runtime: Runtime) -> None:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        assert client.head("/api/signals/import").status_code in (404, 405)
