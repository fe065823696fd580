"""季度审查 in a real browser: choose a quarter, read the tables, download the workbook."""

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Requests
from tests.integration.review_world import build_review_world
from warning.runtime import Runtime


def test_the_office_opens_the_review_and_sees_its_tables(
    page: Page, runtime: Runtime, requests_seen: Requests, tmp_path: Path,
) -> None:
    build_review_world(runtime.sessions)
    page.goto("/")
    page.click("nav.nav >> text=季度审查")
    expect(page.locator("h1")).to_have_text("季度审查")
    page.select_option("#f-quarter", "2026Q3")
    page.click("#quarter-form button[type=submit]")
    expect(page).to_have_url(f"{page.url.split('/review')[0]}/review?quarter=2026Q3")
    expect(page.locator("#review-summary")).to_contain_text("按期办结")
    cgzx = page.locator("#by-department tr", has_text="采购中心")
    expect(cgzx.locator("td.num")).to_have_text(["3", "2", "2", "0", "1", "1", "0"])
    assert cgzx.locator("td.num").first.evaluate("e => getComputedStyle(e).textAlign") == "right"
    expect(page.locator("#by-level tr", has_text="高").locator(".num")).to_have_text("4")
    expect(page.locator("#hot-points tbody tr")).to_have_count(3)
    expect(page.locator("#hot-points tbody tr").first).to_contain_text("建议完善防控措施")
    expect(page.locator("#stale-points")).to_contain_text("从未复核")
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    with page.expect_download() as info:
        page.click("#export-xlsx")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames[0] == "概况" and "预警·按部门" in book.sheetnames

    page.locator("#by-department a", has_text="财务科").click()
    expect(page).to_have_url(f"{page.url.split('/warnings')[0]}/warnings?department=CWK")
    expect(page.locator("#warnings-table tbody tr")).to_have_count(2)
    assert requests_seen.foreign() == []
