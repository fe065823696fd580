"""In Chromium: the pages and the API docs run under the Content-Security-Policy with no
violation and no request leaving 127.0.0.1."""

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import Requests, seed_warnings
from warning.runtime import Runtime

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
PAGES = ["/", "/signals", "/warnings", "/register", "/channels", "/rules", "/inbox",
         "/notices", "/review", "/security-log", "/signals/new"]


def _violations(page: "Page") -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def test_pages_and_docs_run_under_the_csp(
    page: "Page", runtime: Runtime, requests_seen: Requests
) -> None:
    violations = _violations(page)
    ids = seed_warnings(runtime)
    for path in [*PAGES, f"/warnings/{ids.warning_id}", f"/signals/{ids.signal_id}"]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "清风" in page.inner_text(".swagger-ui .info .title")
    page.goto("/redoc")
    page.wait_for_selector("h1", timeout=20_000)
    assert "清风" in page.inner_text("h1")
    assert violations == []
    assert requests_seen.foreign() == []
