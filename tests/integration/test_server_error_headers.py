"""Even an unhandled error's 500 carries the security headers and no stack trace."""

from fastapi.testclient import TestClient

from warning.runtime import Runtime
from warning.web.app import create_app


def test_a_500_has_the_security_headers_and_says_nothing_inside(runtime: Runtime) -> None:
    app = create_app(runtime)

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom-for-test")
    assert answer.status_code == 500
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert answer.json()["error"]["code"] == "server_error"


def test_a_browser_gets_the_chinese_500_page_with_the_same_headers(runtime: Runtime) -> None:
    app = create_app(runtime)

    @app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom-for-test", headers={"Accept": "text/html"})
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "服务器内部错误" in answer.text and "返回上一页" in answer.text
    assert answer.headers["x-frame-options"] == "DENY"
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
