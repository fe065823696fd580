"""The pages in a real browser: log a signal, see its warning, filter, stay on 127.0.0.1."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select, update

from tests.e2e.helpers import Requests, seed_warnings
from warning.db.models import Signal
from warning.petitions.keys import KEY_VARIABLE, generate_key
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

PAGES = ["/", "/signals", "/signals/new", "/warnings", "/register", "/channels", "/rules"]


def _stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def test_a_signal_logged_through_the_form_shows_the_warning_it_raised(
    page: Page, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_VARIABLE, generate_key())  # read by the server on first use
    page.goto("/signals/new")
    page.select_option("#f-channel", "petition")
    page.fill("#f-title", "反映设备采购存在串标")
    page.fill("#f-text", "来信反映：某供应商在设备采购中与他人围标串标。")
    page.select_option("#f-department", "CGZX")
    page.fill("#f-amount", "128000")
    page.check("#f-named")  # 实名举报: a petition names its reporter or is anonymous
    page.select_option("#f-intake_mode", "letter")
    page.fill("#f-reporter_name", "来信人")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/signals/\d+\?result=created$"))
    expect(page.locator(".notice-ok")).to_contain_text("共触发 1 条预警")
    raised = page.locator("#raised-warnings tbody tr")
    expect(raised).to_have_count(1)
    expect(raised.first).to_contain_text("物资采购中串通投标")
    expect(raised.first).to_contain_text("bid-collusion")
    warning_link = raised.first.locator("a").first
    warning_id = warning_link.inner_text().lstrip("#")

    page.click("nav.nav >> text=预警")
    row = page.locator(f"#warnings-table tr:has(a[href='/warnings/{warning_id}'])")
    expect(row).to_contain_text("物资采购中串通投标")
    expect(row).to_contain_text("采购中心")
    expect(row.locator(".state")).to_have_text("已下达")

    row.locator("a").first.click()
    expect(page.locator("h1")).to_have_text("物资采购中串通投标")
    expect(page.locator(".timeline")).to_contain_text("反映设备采购存在串标")
    expect(page.locator("#handling-events li").first).to_contain_text("下达")


def test_a_form_error_is_shown_beside_its_field_and_nothing_is_stored(
    page: Page, runtime: Runtime
) -> None:
    page.goto("/signals/new")
    page.select_option("#f-channel", "petition")
    page.fill("#f-text", "内容应当保留")
    page.fill("#f-amount", "一万元")
    page.click("button[type=submit]")
    expect(page.locator(".notice-error")).to_contain_text("信号尚未保存")
    expect(page.locator(".has-error #err-title")).to_have_text("请填写标题")
    expect(page.locator(".has-error #err-amount")).to_contain_text("“一万元”不是数字")
    expect(page.locator("#f-text")).to_have_value("内容应当保留")
    expect(page.locator("#f-amount")).to_have_value("一万元")
    expect(page.locator("#f-channel")).to_have_value("petition")
    assert _stored(runtime) == 0


def test_a_form_without_its_csrf_token_is_refused(page: Page, runtime: Runtime) -> None:
    page.goto("/signals/new")
    page.eval_on_selector("input[name=csrf_token]", "e => e.value = 'forged'")
    page.fill("#f-title", "伪造的表单")
    page.select_option("#f-channel", "petition")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("表单已失效")
    assert _stored(runtime) == 0


def test_the_register_filters_by_level_category_department_and_text(page: Page) -> None:
    page.goto("/register")
    codes = page.locator("#register-table tbody td:first-child")
    expect(codes).to_have_text(["BG-001", "CG-001", "CG-002", "CW-001"])
    page.select_option("select[name=level]", "high")
    page.click("form.filters button[type=submit]")
    expect(codes).to_have_text(["CG-001", "CW-001"])
    page.select_option("select[name=department]", "CGZX")
    page.click("form.filters button[type=submit]")
    expect(codes).to_have_text(["CG-001"])
    page.goto("/register?category=制度机制")
    expect(codes).to_have_text(["CG-002"])
    page.goto("/register")
    page.fill("form.filters input[name=q]", "公车")
    page.press("form.filters input[name=q]", "Enter")
    expect(codes).to_have_text(["BG-001"])
    page.fill("form.filters input[name=q]", "没有这个风险点")
    page.press("form.filters input[name=q]", "Enter")
    expect(page.locator(".empty-title")).to_have_text("没有符合条件的风险点")


def test_every_page_loads_from_127_0_0_1_only(
    page: Page, runtime: Runtime, requests_seen: Requests, tmp_path: Path
) -> None:
    ids = seed_warnings(runtime)
    details = [f"/signals/{ids.signal_id}", f"/warnings/{ids.warning_id}"]
    for path in PAGES + details:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.locator("link[rel=stylesheet]")).to_have_attribute("href", "/static/app.css")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != (
            "rgba(0, 0, 0, 0)"), f"{path}: stylesheet not applied"
    for missing in ("/warnings/999999", "/signals/999999", "/no-such-page"):
        response = page.goto(missing)
        assert response is not None and response.status == 404, missing
        expect(page.locator("h1")).to_contain_text("未找到")
    assert requests_seen.urls, "no requests recorded"
    assert requests_seen.foreign() == []


def test_screenshots_of_the_dashboard_and_a_warning(
    page: Page, runtime: Runtime, tmp_path: Path
) -> None:
    ids = seed_warnings(runtime)
    page.goto("/")
    expect(page.locator(".stat", has_text="未办结预警")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.goto(f"/warnings/{ids.warning_id}")
    expect(page.locator(".measures")).to_contain_text("前期预防")
    page.screenshot(path=str(tmp_path / "warning.png"), full_page=True)
    page.goto("/signals/new")
    page.click("button[type=submit]")
    expect(page.locator("#err-channel")).to_have_text("请选择渠道")
    page.screenshot(path=str(tmp_path / "form-errors.png"), full_page=True)
    for name in ("signals", "warnings", "register", "channels", "rules"):
        page.goto(f"/{name}")
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    print(f"screenshots in {tmp_path}")


def test_the_signal_list_pages_and_keeps_its_filters(page: Page, runtime: Runtime) -> None:
    items = [SignalIn(channel="api", external_id=f"P-{n}", title=f"例行报送 {n:02d}",
                      department="BGS") for n in range(55)]
    runtime.intake.ingest(items)
    page.goto("/signals?department=BGS")
    expect(page.locator(".pager-info")).to_have_text("共 55 条，第 1–50 条")
    page.click(".pager a[rel=next]")
    expect(page).to_have_url(re.compile(r"department=BGS.*page=2|page=2.*department=BGS"))
    expect(page.locator(".pager-info")).to_have_text("共 55 条，第 51–55 条")
    expect(page.locator("tbody tr")).to_have_count(5)
    page.goto("/signals?department=CWK")
    expect(page.locator(".empty-title")).to_have_text("没有符合条件的信号")


def test_the_signal_list_filters_by_the_days_typed_in_its_date_fields(
    page: Page, runtime: Runtime,
) -> None:
    runtime.intake.ingest([SignalIn(channel="api", external_id=f"D-{n}", title=f"按日报送 {n}",
                                    department="BGS") for n in range(3)])
    with runtime.sessions() as session, session.begin():  # received on the 6th, 7th and 8th
        for n, day in enumerate((6, 7, 8)):
            received = datetime(2026, 9, day, 4, 0, tzinfo=UTC)
            session.execute(update(Signal).where(Signal.external_id == f"D-{n}")
                            .values(received_at=received))
    page.goto("/signals?department=BGS")
    page.fill("form.filters input[name=since]", "2026-09-07")
    page.fill("form.filters input[name=until]", "2026-09-07")
    page.click("form.filters button[type=submit]")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("按日报送 1")
    expect(page.locator("#export-csv")).to_have_attribute("href", re.compile("since=2026-09-07"))
    page.goto("/signals?since=2026-09-08&until=2026-09-07")
    expect(page.locator("#filter-problem")).to_contain_text("早于")


def test_pages_ask_for_sign_in_and_a_handler_sees_only_own_department(
    signed_out: "Page", runtime: Runtime, server: str
) -> None:
    signed_out.goto("/warnings")
    assert "/login" in signed_out.url
    signed_out.fill("#name", "nobody")
    signed_out.fill("#password", "wrong")
    signed_out.click("button[type=submit]")
    assert "用户名或密码错误" in signed_out.content()
    outcome = runtime.intake.ingest([SignalIn.model_validate({
        "channel": "petition", "external_id": "E2E-SCOPE", "title": "反映串标",
        "text": "采购中心设备采购中存在串标", "department": "CGZX"})])[0]
    warning_id = outcome.warnings[0].id
    from tests.e2e.conftest import add_page_user, sign_in

    sign_in(signed_out, "cw-e2e", add_page_user(runtime, "cw-e2e", "handler", "CWK"))
    response = signed_out.goto(f"/warnings/{warning_id}")
    assert response is not None and response.status == 404
    signed_out.goto("/warnings")
    assert f"/warnings/{warning_id}" not in signed_out.content()
    response = signed_out.goto(f"/signals/{outcome.signal_id}")
    assert response is not None and response.status == 404
