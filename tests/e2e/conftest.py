"""Browser tests: the real app under uvicorn on 127.0.0.1, driven by Debian's Chromium.

Chromium comes from `apt-get install chromium` (/usr/bin/chromium); Playwright's own browser
downloads are never used. Outside CI a missing Chromium skips these tests; in CI it fails.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import pytest
import uvicorn
from sqlalchemy import select

from tests.e2e.helpers import SCREENSHOTS_VARIABLE, Requests, Screenshots
from tests.integration.conftest import rules_dir, runtime  # noqa: F401 - shared fixtures
from warning.auth.users import add_user
from warning.db.models import Department, Person
from warning.runtime import Runtime
from warning.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("QINGFENG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Chromium:
    """One Chromium for all the browser tests of a run, stopped as soon as they are done.

    Not a session-scoped fixture: while Playwright's sync API is started it leaves its event
    loop marked as running in the main thread, so every later asyncio.run() (tests/feeds,
    tests/integration) would fail. pytest_runtest_teardown below stops it after the last
    test of this directory.
    """

    def __init__(self) -> None:
        self._manager: Any = None
        self._browser: Browser | None = None

    def get(self) -> "Browser":
        """Return the running browser, launching it on first use."""
        if self._browser is not None:
            return self._browser
        if not CHROMIUM.exists():
            _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            _unavailable("playwright is not installed: pip install -e '.[test]'")
        self._manager = sync_playwright()
        playwright = self._manager.__enter__()
        self._browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        return self._browser

    def stop(self) -> None:
        """Close the browser and stop Playwright (which releases the event loop)."""
        browser, manager = self._browser, self._manager
        self._browser = self._manager = None
        try:
            if browser is not None:
                browser.close()
        finally:
            if manager is not None:
                manager.__exit__(None, None, None)


_CHROMIUM = _Chromium()
E2E = Path(__file__).parent


def _unavailable(message: str) -> NoReturn:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Stop Chromium, once the test's fixtures are torn down, when the next test is not a
    browser test (or there is none)."""
    try:
        yield
    finally:
        if nextitem is None or E2E not in nextitem.path.parents:
            _CHROMIUM.stop()


def pytest_sessionfinish() -> None:
    """Stop Chromium if the run ended early (-x, Ctrl-C) while it was up."""
    _CHROMIUM.stop()


@pytest.fixture
def browser() -> "Browser":
    """Debian's Chromium through Playwright, launched once per run (each test opens contexts)."""
    return _CHROMIUM.get()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:  # noqa: F811 - the imported fixture
    """Serve the app for one test on a free 127.0.0.1 port; yield its base URL."""
    port = _free_port()
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def requests_seen() -> Requests:
    """The list the page fixture records requests into."""
    return Requests()


def add_page_user(rt: Runtime, name: str, role: str, department: str | None = None,
                  person: str | None = None) -> str:
    """Create a user for the pages (linked to a person of that name if given); return its
    password."""
    password = f"pw-{name}-12345678"
    with rt.sessions() as session, session.begin():
        person_id = None
        if person:
            department_id = session.scalar(select(Department.id).where(
                Department.code == department)) if department else None
            someone = Person(name=person, department_id=department_id)
            session.add(someone)
            session.flush()
            person_id = someone.id
        add_user(session, name=name, role=role, department_code=department, password=password,
                 person_id=person_id)
    return password


def sign_in(tab: "Page", name: str, password: str) -> None:
    """Sign in through the login form."""
    tab.goto("/login")
    tab.fill("#name", name)
    tab.fill("#password", password)
    tab.click("button[type=submit]")
    tab.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def signed_out(browser: "Browser", server: str, requests_seen: Requests) -> Iterator["Page"]:
    """Open a fresh browser context with the server as base URL, recording requests."""
    context = browser.new_context(
        base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai",
        viewport={"width": 1360, "height": 900},
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.on("request", lambda request: requests_seen.urls.append(request.url))
    yield tab
    context.close()


class Opener(Protocol):
    """open_tab's signature: a signed-in tab for a new user."""

    def __call__(self, name: str, role: str, department: str | None = None, *,
                 person: str | None = None) -> "Page": ...


VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def open_tab(browser: "Browser", server: str, runtime: Runtime) -> Iterator[Opener]:  # noqa: F811
    """Open a signed-in tab (its own browser context) per user: open_tab(name, role, dept)."""
    contexts = []

    def opener(name: str, role: str, department: str | None = None, *,
               person: str | None = None) -> "Page":
        context = browser.new_context(base_url=server, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", viewport=VIEWPORT)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        sign_in(tab, name, add_page_user(runtime, name, role, department, person))
        return tab

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def page(signed_out: "Page", runtime: Runtime) -> "Page":  # noqa: F811
    """A tab signed in as an office (纪检监察室) user."""
    sign_in(signed_out, "office-e2e", add_page_user(runtime, "office-e2e", "office"))
    return signed_out


@pytest.fixture
def screenshots(tmp_path: Path) -> Screenshots:
    """Screenshots into tmp_path; also into $QINGFENG_SCREENSHOTS when it is set."""
    keep = os.environ.get(SCREENSHOTS_VARIABLE, "").strip()
    return Screenshots(tmp_path / "screenshots", Path(keep) if keep else None)
