"""A department handler's day in a real browser: the unhappy paths around the handling forms."""

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.e2e.conftest import Opener, add_page_user, sign_in
from warning.auth.tokens import revoke_tokens
from warning.db.models import User
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn


def _warning(runtime: Runtime) -> int:
    outcome = runtime.intake.ingest([SignalIn(
        channel="audit", external_id="E2E-D1", title="办公耗材采购化整为零",
        text="同一供应商同类物资拆分为多笔采购。", department="CGZX", amount="58600")])[0]
    assert outcome.warnings, outcome
    return outcome.warnings[0].id


def _end_sessions(runtime: Runtime, name: str) -> None:
    with runtime.sessions() as session, session.begin():
        user_id = session.scalar(select(User.id).where(User.name == name))
        assert user_id is not None
        revoke_tokens(session, user_id=user_id, kind="session")


def _sign_in_again(tab: Page, name: str) -> None:
    tab.fill("#name", name)
    tab.fill("#password", f"pw-{name}-12345678")
    tab.click("button[type=submit]")


def test_signing_in_after_a_form_met_an_ended_session_returns_to_the_form_page(
    open_tab: Opener, runtime: Runtime,
) -> None:
    """A form posted after the session cookie is gone asks for the password; signing in goes
    back to the page the form was on, not to the form's POST-only address (a JSON 405)."""
    wid = _warning(runtime)
    tab = open_tab("cg-day", "handler", "CGZX")
    tab.goto(f"/warnings/{wid}")
    tab.context.clear_cookies(name="qingfeng_session")
    tab.click("#act-receive button[type=submit]")
    expect(tab.locator("h1")).to_have_text("登录")
    _sign_in_again(tab, "cg-day")
    expect(tab).to_have_url(re.compile(rf"/warnings/{wid}$"))
    expect(tab.locator("#act-receive")).to_be_visible()


def test_the_sign_in_form_shown_for_a_refused_session_signs_in(
    open_tab: Opener, runtime: Runtime,
) -> None:
    """A session refused (revoked when an admin moves or disables the user, idle, expired)
    shows the sign-in form with the reason; that form signs in instead of answering 403
    表单已失效 (its CSRF token was bound to the refused session whose cookie it deleted)."""
    wid = _warning(runtime)
    tab = open_tab("cg-day", "handler", "CGZX")
    for step in ("page", "form"):
        tab.goto(f"/warnings/{wid}")
        _end_sessions(runtime, "cg-day")
        if step == "page":
            tab.reload()
        else:
            tab.click("#act-receive button[type=submit]")
        expect(tab.locator("[role=alert]")).to_contain_text("请重新登录")
        _sign_in_again(tab, "cg-day")
        expect(tab).to_have_url(re.compile(rf"/warnings/{wid}$"))
        expect(tab.locator("#act-receive")).to_be_visible()


def test_a_phone_sized_window_shows_the_menu_and_does_not_scroll_sideways(
    browser: Browser, server: str, runtime: Runtime,
) -> None:
    """At 390 px the header wraps: the menu keeps its width (it had shrunk to 0 px, leaving no
    way to 待办 or 预警) and the page is no wider than the window."""
    wid = _warning(runtime)
    for name, role, department in (("cg-phone", "handler", "CGZX"), ("of-phone", "office", None)):
        context = browser.new_context(base_url=server, locale="zh-CN",
                                      timezone_id="Asia/Shanghai",
                                      viewport={"width": 390, "height": 844})
        try:
            tab = context.new_page()
            sign_in(tab, name, add_page_user(runtime, name, role, department))
            for path in ("/", "/inbox", "/warnings", f"/warnings/{wid}", "/signals"):
                tab.goto(path)
                assert tab.evaluate("document.documentElement.scrollWidth") <= 390, (name, path)
                menu = tab.locator(".nav a", has_text="预警")
                expect(menu).to_be_in_viewport()
                box = menu.bounding_box()
                assert box is not None and box["width"] > 20 and box["x"] + box["width"] <= 390
        finally:
            context.close()
