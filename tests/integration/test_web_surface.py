"""The web surface against a real server: security headers, offline docs for signed-in
users only, HSTS behind a trusted TLS proxy, and a form key that survives a restart."""

import re
from pathlib import Path

import httpx
import pytest

from tests.integration.live_server import csrf_token, serve, sign_in
from warning.auth.users import add_user
from warning.runtime import Runtime

PASSWORD = "Office-pass-2026"
TEMPLATES = Path(__file__).parents[2] / "warning" / "web" / "templates"
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _office(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="office", role="office", password=PASSWORD)


def _assert_hardened(answer: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, (answer.url, name)
    csp = answer.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'", csp
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] and "http" not in csp
    assert "strict-transport-security" not in answer.headers  # plain http


def test_every_response_carries_the_security_headers(runtime: Runtime) -> None:
    _office(runtime)
    with serve(runtime) as base, httpx.Client(base_url=base) as browser:
        anonymous = [browser.get(p) for p in ("/login", "/healthz", "/static/app.css",
                                               "/api/warnings", "/nowhere", "/docs")]
        assert sign_in(browser, "office", PASSWORD).status_code == 303
        signed_in = [browser.get(p) for p in ("/", "/signals", "/warnings/999", "/api/inbox")]
        too_large = browser.post("/api/signals", content=b"x" * 9_000_000)
        for answer in [*anonymous, *signed_in, too_large]:
            _assert_hardened(answer)
        page_csp = signed_in[0].headers["content-security-policy"]
        assert "style-src 'self';" in page_csp  # no inline style on the pages either


def test_templates_have_no_inline_script_handler_or_style() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
             for path in TEMPLATES.rglob("*.html")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if inline.search(line)]
    assert found == []


def test_docs_work_offline_for_signed_in_users_only(runtime: Runtime) -> None:
    _office(runtime)
    with serve(runtime) as base, httpx.Client(base_url=base) as browser:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert browser.get(path).status_code == 401
            page = browser.get(path, headers={"Accept": "text/html"})
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert browser.get("/docs", headers={"Authorization": "Bearer qf_wrong"}
                           ).status_code == 401
        sign_in(browser, "office", PASSWORD)
        spec = browser.get("/openapi.json")
        assert spec.status_code == 200 and "/api/security-log" in spec.json()["paths"]
        for path in ("/docs", "/redoc"):
            page = browser.get(path)
            assert page.status_code == 200
            assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
            assert assets and all(a.startswith("/") for a in assets), assets
            assert "<script>" not in page.text
            for asset in assets:
                fetched = browser.get(asset)
                assert fetched.status_code == 200 and len(fetched.content) > 100, asset
        bundle = browser.get("/docs-assets/swagger-ui-bundle.js")
        assert "javascript" in bundle.headers["content-type"]
        assert "SwaggerUIBundle" in bundle.text
        redoc = browser.get("/docs-assets/redoc.standalone.js").text
        assert "Redoc" in redoc and "cdn.redoc.ly" not in redoc


def test_hsts_only_over_https_as_reported_by_a_trusted_proxy(runtime: Runtime) -> None:
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    with serve(runtime) as base:
        assert "strict-transport-security" not in httpx.get(f"{base}/login",
                                                            headers=https).headers
    with serve(runtime, trusted_proxies="127.0.0.0/8") as base:
        hsts = httpx.get(f"{base}/login", headers=https).headers["strict-transport-security"]
        assert "max-age=" in hsts
        assert "strict-transport-security" not in httpx.get(f"{base}/login").headers


@pytest.mark.slow
def test_an_open_form_survives_a_restart_unless_the_secret_key_changes(
    runtime: Runtime,
) -> None:
    _office(runtime)
    with serve(runtime) as base, httpx.Client(base_url=base) as browser:
        token = csrf_token(browser)
        cookies = dict(browser.cookies)
    form = {"csrf_token": token, "name": "office", "password": PASSWORD}
    with serve(runtime, workers=2) as base:
        for _ in range(4):
            answer = httpx.post(f"{base}/login", data=form, cookies=cookies)
            assert answer.status_code == 303, answer.text
    with serve(runtime, secret_key="a-key-set-by-the-operator") as base:
        refused = httpx.post(f"{base}/login", data=form, cookies=cookies)
        assert refused.status_code == 403 and "表单校验码" in refused.text
