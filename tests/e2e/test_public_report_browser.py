"""In Chromium: anyone files a report on the public page with a file, gets a receipt code and
a printable slip, and looks the report up by the code; all under the CSP, no menu shown."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import Requests
from warning.runtime import Runtime

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_anyone_files_on_the_public_page_and_looks_up_by_receipt_code(
    signed_out: "Page", runtime: Runtime, requests_seen: Requests, tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    tab = signed_out
    violations: list[str] = []
    tab.on("console", lambda m: violations.append(m.text)
           if "Content Security Policy" in m.text else None)
    evidence = tmp_path / "证据.pdf"
    evidence.write_bytes(PDF)

    tab.goto("/report")
    expect(tab.locator("nav.nav")).to_have_count(0)
    tab.fill("#f-title", "反映采购中心科长收受购物卡")
    tab.fill("#f-text", "采购中心某科长多次收受供应商购物卡，请核查。")
    tab.select_option("#f-department", "CGZX")
    tab.set_input_files("#f-attachment", str(evidence))
    tab.check("#f-anonymous")
    tab.click("#submit-report")
    code = tab.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code), code
    expect(tab.locator("#lookup-url")).to_contain_text("/report/lookup")
    expect(tab.locator("#filed-at")).to_contain_text("北京时间")
    # The slip prints alone on one page: no menu, no buttons.
    tab.emulate_media(media="print")
    expect(tab.locator(".public-links")).to_be_hidden()
    expect(tab.locator("[data-print]")).to_be_hidden()
    printed = tab.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", printed)) == 1  # one sheet
    tab.emulate_media(media="screen")

    tab.goto("/report/lookup")
    tab.fill("#f-code", code.lower())
    tab.click("#submit-lookup")
    expect(tab.locator("#report-status")).to_have_text(re.compile("已受理|办理中"))
    expect(tab.locator("#lookup-result")).not_to_contain_text("采购中心")

    tab.fill("#f-code", "0000-0000-0000-0000-0000")
    tab.click("#submit-lookup")
    expect(tab.locator("#err-code")).to_contain_text("回执码无效或不存在")
    assert violations == []
    assert requests_seen.foreign() == []
