"""Screenshots of the main pages (docs/screenshots), taken on the test channels, where the
seeded petitions are issued at once (the office-day walk takes its own with a proposal)."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Opener
from tests.e2e.helpers import Screenshots, seed_warnings
from tests.e2e.test_office_day import OFFICER, PERSON
from warning.runtime import Runtime


def test_screenshots_of_the_main_pages(
    open_tab: Opener, signed_out: Page, runtime: Runtime, screenshots: Screenshots,
) -> None:
    seed_warnings(runtime)
    signed_out.set_viewport_size({"width": 1280, "height": 800})
    signed_out.goto("/login")
    expect(signed_out.locator("#name")).to_be_visible()
    expect(signed_out.locator("nav.nav")).to_have_count(0)  # no menu before signing in
    screenshots.take(signed_out, "sign-in")

    office = open_tab("wang-office", "office", person=OFFICER)
    pages = [("/", "home-office", "h1"), ("/signals", "signals", "tbody tr"),
             ("/review", "review", "#review-summary"), ("/register", "register", "#register-table"),
             ("/rules", "rules", "h1"), ("/search?q=采购", "search", "h1")]
    for path, name, ready in pages:
        response = office.goto(path)
        assert response is not None and response.status == 200, path
        expect(office.locator(ready).first).to_be_visible()
        screenshots.take(office, name)
    # A warning about a department names it, not its code (search, list, page).
    expect(office.locator("#search-warnings")).to_contain_text("化整为零规避招标")
    expect(office.locator("#search-warnings")).not_to_contain_text("CGZX")
    office.goto("/warnings")
    expect(office.locator("#warnings-table")).to_contain_text("采购中心（部门）")
    handler = open_tab("li-cgzx", "handler", "CGZX", person=PERSON)
    handler.goto("/")
    expect(handler.locator("h1")).to_be_visible()
    screenshots.take(handler, "home-department")
    assert len(screenshots.taken) == 8
