"""Petitions in a real browser: reveal with a reason, the case of repeats, scoped exports."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import add_page_user, sign_in
from tests.integration.petition_world import REPORTER, SECRET_WORD, Petitions, seed_petitions
from warning.db.models import Department, ReporterReveal, RiskWarning
from warning.petitions.keys import KEY_VARIABLE, ReporterCipher, generate_key
from warning.runtime import Runtime


@pytest.fixture
def petitions(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Petitions:
    """Configure the reporter key the server reads, and log the petitions with it."""
    key = generate_key()
    monkeypatch.setenv(KEY_VARIABLE, key)
    return seed_petitions(runtime, ReporterCipher([key]))


def _download(tab: Page, selector: str, target: Path) -> bytes:
    with tab.expect_download() as info:
        tab.click(selector)
    info.value.save_as(target)
    return target.read_bytes()


def _xlsx_rows(data: bytes) -> list[dict[str, object]]:
    header, *rows = load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_office_reveals_the_reporter_with_a_reason_and_the_reveal_is_logged(
    petitions: Petitions, page: Page, runtime: Runtime,
) -> None:
    page.goto(f"/signals/{petitions.first}")
    expect(page.locator("#reveal-history-empty")).to_have_text("尚无人查看过举报人。")
    page.fill("#f-reason", "需联系举报人补充材料")
    page.click("#reveal-form button[type=submit]")
    expect(page.locator("#reporter-name")).to_have_text(REPORTER["name"])
    expect(page.locator("#reporter-contact")).to_have_text(REPORTER["contact"])
    history = page.locator("#reveal-history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("office-e2e")
    expect(history.first).to_contain_text("需联系举报人补充材料")
    with runtime.sessions() as session:
        logged = session.scalars(select(ReporterReveal)).all()
    assert [(r.signal_id, r.actor, r.reason) for r in logged] == [
        (petitions.first, "user:office-e2e", "需联系举报人补充材料")]

    response = page.goto(f"/signals/{petitions.first}")
    assert response is not None and response.headers["cache-control"] == "no-store"
    expect(page.locator("#reveal-history tbody tr")).to_have_count(1)
    expect(page.locator("#reveal-form")).to_be_visible()
    assert REPORTER["name"] not in page.content()


def test_a_handler_never_sees_the_reporter_or_the_form(
    petitions: Petitions, signed_out: Page, runtime: Runtime,
) -> None:
    sign_in(signed_out, "cg-e2e", add_page_user(runtime, "cg-e2e", "handler", "CGZX"))
    tab = signed_out
    response = tab.goto(f"/signals/{petitions.first}")
    assert response is not None and response.status == 404
    expect(tab.locator("h1")).to_contain_text("未找到")
    tab.goto("/signals")
    listed = tab.content()
    assert "关于采购中心串标的举报" not in listed and f"/signals/{petitions.audit_a}" in listed
    tab.goto(f"/signals/{petitions.audit_a}")
    expect(tab.locator("#reveal-form")).to_have_count(0)
    expect(tab.locator("#reporter")).to_have_count(0)
    token = tab.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = tab.request.post(f"/signals/{petitions.first}/reveal",
                              form={"reason": "想知道是谁举报的", "csrf_token": token or ""})
    assert posted.status == 404
    for html in (listed, tab.content(), posted.text()):
        assert SECRET_WORD not in html
        assert not any(value in html for value in REPORTER.values())
    with runtime.sessions() as session:
        assert session.scalars(select(ReporterReveal)).all() == []


def test_the_case_page_lists_the_repeats(petitions: Petitions, page: Page) -> None:
    page.goto("/signals")
    page.click("a[href='/cases']")
    rows = page.locator("#cases-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("关于采购中心串标的举报")
    expect(rows.first.locator(".count-pill")).to_have_text("3")
    rows.first.locator("a").first.click()
    expect(page.locator("#case-count")).to_contain_text("同一事项共 3 件")
    members = page.locator("#case-members tbody tr")
    expect(members).to_have_count(3)
    expect(members.nth(0)).to_contain_text("首次反映")
    expect(members.nth(1)).to_contain_text(f"#{petitions.repeats[0]}")
    expect(members.nth(2)).to_contain_text("重复反映")
    members.nth(2).locator("a").click()
    expect(page.locator("h1")).to_have_text("第三次反映采购中心串标")
    expect(page.locator("#case-members tbody tr").nth(2)).to_contain_text("（本件）")


def test_a_handler_of_b_downloads_only_b_s_warnings_and_no_confidential_signal(
    petitions: Petitions, signed_out: Page, runtime: Runtime, tmp_path: Path,
) -> None:
    sign_in(signed_out, "cw-e2e", add_page_user(runtime, "cw-e2e", "handler", "CWK"))
    with runtime.sessions() as session:
        own = set(session.scalars(
            select(RiskWarning.id).join(Department, Department.id == RiskWarning.department_id)
            .where(Department.code == "CWK")))
    signed_out.goto("/warnings")
    rows = _xlsx_rows(_download(signed_out, "#export-xlsx", tmp_path / "warnings.xlsx"))
    assert own and {r["预警编号"] for r in rows} == own
    assert {r["责任部门"] for r in rows} == {"财务科"}

    signed_out.goto("/signals")
    data = _download(signed_out, "#export-csv", tmp_path / "signals.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [int(r["信号编号"]) for r in table] == [petitions.audit_b]
    # a department never sees a confidential signal, so the columns about them are left out
    assert not {"保密渠道", "首件信号编号", "同案件数"} & set(table[0])
    text = data.decode("utf-8-sig")
    assert SECRET_WORD not in text and not any(v in text for v in REPORTER.values())


def test_the_office_downloads_the_filtered_signals_with_their_text(
    petitions: Petitions, page: Page, tmp_path: Path,
) -> None:
    page.goto("/signals")
    page.select_option("select[name=channel]", "petition")
    page.click("form.filters button[type=submit]")
    expect(page.locator("tbody tr")).to_have_count(4)
    rows = _xlsx_rows(_download(page, "#export-xlsx", tmp_path / "petitions.xlsx"))
    assert [r["信号编号"] for r in rows] == [petitions.petition_b, *reversed(petitions.repeats),
                                          petitions.first]
    assert SECRET_WORD in str(rows[-1]["内容"])
    assert [r["同案件数"] for r in rows] == [None, 3, 3, 3]
    assert not any(value in str(rows) for value in REPORTER.values())
