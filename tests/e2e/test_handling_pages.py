"""Handling a warning in a real browser: forms per role, attachments, returns, conflicts, scope."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import Opener
from warning.auth.principal import Principal
from warning.db.models import Department, HandlingEvent, HandlingRecord
from warning.domain.lifecycle import Action, Role
from warning.handling.records import act
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.pages.csrf import COOKIE

PDF = b"%PDF-1.4\n% rectification report\n"
REASON = "整改不彻底，请补充相关人员的处理情况。"


def _warning(runtime: Runtime, n: int = 1) -> int:
    outcome = runtime.intake.ingest([SignalIn(
        channel="petition", external_id=f"E2E-H{n}", title="反映设备采购存在串标",
        text="某供应商与他人围标串标。", department="CGZX")])[0]
    assert outcome.warnings, outcome
    return outcome.warnings[0].id


def _record(runtime: Runtime, wid: int) -> HandlingRecord:
    with runtime.sessions() as session:
        return session.scalars(
            select(HandlingRecord).where(HandlingRecord.warning_id == wid)
        ).one()


def _events(runtime: Runtime, wid: int) -> list[HandlingEvent]:
    record_id = _record(runtime, wid).id
    with runtime.sessions() as session:
        return list(session.scalars(select(HandlingEvent)
                                    .where(HandlingEvent.record_id == record_id)
                                    .order_by(HandlingEvent.seq)))


def _handler_acts(runtime: Runtime, wid: int, *steps: tuple[Action, str, str]) -> None:
    """Act as 采购中心's handler directly through the service (the setup, not the test)."""
    with runtime.sessions() as session:
        department = session.scalar(select(Department.id).where(Department.code == "CGZX"))
        handler = Principal(user_id=0, name="李敏", role=Role.HANDLER, department_id=department)
        for action, comment, person in steps:
            act(session, warning_id=wid, principal=handler, action=action,
                version=_record(runtime, wid).version, comment=comment,
                responsible_person=person)
            session.commit()


def _post_form(tab: Page, wid: int, **fields: str) -> int:
    """POST an action form outside the page (with the tab's cookies and CSRF token)."""
    token = next(c["value"] for c in tab.context.cookies() if c["name"] == COOKIE)
    answer = tab.request.post(f"/warnings/{wid}/actions",
                              form={"csrf_token": token, **fields}, max_redirects=0)
    return answer.status


def test_a_handler_receives_assigns_and_reports_with_an_attachment(
    open_tab: Opener, runtime: Runtime, tmp_path: Path,
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"attachments_dir": tmp_path / "files"})
    wid = _warning(runtime)
    tab = open_tab("cg-e2e", "handler", "CGZX")
    tab.goto("/inbox")
    row = tab.locator(f"#inbox-table tr[data-warning='{wid}']")
    expect(row).to_contain_text("签收期限")
    row.locator("a").first.click()
    expect(tab.locator(".action-form")).to_have_count(2)  # 签收, 补充说明
    tab.click("#act-receive button[type=submit]")
    expect(tab).to_have_url(re.compile(rf"/warnings/{wid}\?done=receive#handling$"))
    expect(tab.locator("#action-done")).to_have_text("已完成“签收”，处置记录当前状态：已签收。")

    tab.fill("#act-assign-person", "李敏")
    tab.click("#act-assign button[type=submit]")
    expect(tab.locator("#action-done")).to_contain_text("整改中")
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(PDF)
    tab.fill("#act-report-comment", "已暂停该项目采购，重新组织招标。")
    tab.set_input_files("#act-report-files", str(report))
    tab.click("#act-report button[type=submit]")
    expect(tab.locator("#action-done")).to_contain_text("已上报")
    expect(tab.locator("#handling-events")).to_contain_text("附件：整改报告.pdf")
    expect(tab.locator(".action-form")).to_have_count(1)  # only 补充说明 is left

    record = _record(runtime, wid)
    assert (record.state, record.responsible_person) == ("reported", "李敏")
    last = _events(runtime, wid)[-1]
    assert (last.action, last.actor) == ("report", "user:cg-e2e")
    attachment = last.data["attachments"][0]
    assert (attachment["filename"], attachment["size"]) == ("整改报告.pdf", len(PDF))
    stored = tmp_path / "files" / attachment["sha256"][:2] / attachment["sha256"]
    assert stored.read_bytes() == PDF


def test_the_office_returns_with_a_reason_then_accepts(
    page: Page, runtime: Runtime,
) -> None:
    wid = _warning(runtime)
    _handler_acts(runtime, wid, (Action.RECEIVE, "", ""), (Action.ASSIGN, "", "李敏"),
                  (Action.REPORT, "已整改。", ""))
    first_due = _record(runtime, wid).report_due_at
    page.goto(f"/warnings/{wid}")
    page.click("#act-return button[type=submit]")
    expect(page.locator("#action-error")).to_contain_text("“退回”必须填写说明/理由")
    assert _record(runtime, wid).state == "reported"

    page.fill("#act-return-comment", REASON)
    page.click("#act-return button[type=submit]")
    expect(page.locator("#action-done")).to_contain_text("已完成“退回”，处置记录当前状态：整改中。")
    returned = _events(runtime, wid)[-1]
    record = _record(runtime, wid)
    assert (returned.action, returned.comment) == ("return", REASON)
    assert record.report_due_at.isoformat() == returned.data["report_due_at"]
    assert returned.data["previous_report_due_at"] == first_due.isoformat()
    assert (record.report_round, record.overdue_level) == (1, 0)

    _handler_acts(runtime, wid, (Action.REPORT, "已补充处理情况。", ""))
    page.goto(f"/warnings/{wid}")
    page.once("dialog", lambda dialog: dialog.accept())  # 办结 is confirmed first
    page.click("#act-accept button[type=submit]")
    expect(page.locator("#action-done")).to_contain_text("已办结")
    expect(page.locator(".action-form")).to_have_count(0)
    assert _record(runtime, wid).state == "closed"
    assert [e.action for e in _events(runtime, wid)][-3:] == ["return", "report", "accept"]


def test_withdrawing_asks_first_and_a_no_changes_nothing(page: Page, runtime: Runtime) -> None:
    """撤销 ends a record for good: one stray click must not do it."""
    wid = _warning(runtime, 7)
    page.goto(f"/warnings/{wid}")
    page.fill("#act-withdraw-comment", "信号经核实与该部门无关。")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#act-withdraw button[type=submit]")
    expect(page.locator("#act-withdraw")).to_be_visible()
    page.wait_for_timeout(300)  # had the form gone out, the page would be navigating now
    assert asked == ["撤销后该预警即终止办理，不能恢复。确定撤销吗？"]
    assert _record(runtime, wid).state == "issued"
    assert [e.action for e in _events(runtime, wid)] == ["issue"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#act-withdraw button[type=submit]")
    expect(page.locator("#action-done")).to_contain_text("撤销")
    assert _record(runtime, wid).state == "withdrawn"


def test_a_stale_form_says_someone_else_acted_first(
    page: Page, open_tab: Opener, runtime: Runtime,
) -> None:
    wid = _warning(runtime)
    page.goto(f"/warnings/{wid}")  # the office opens the record while it is 已下达
    handler = open_tab("cg-e2e", "handler", "CGZX")
    handler.goto(f"/warnings/{wid}")
    handler.click("#act-receive button[type=submit]")
    expect(handler.locator("#action-done")).to_contain_text("已签收")
    before = len(_events(runtime, wid))

    page.fill("#act-note-comment", "请尽快签收。")
    page.click("#act-note button[type=submit]")
    expect(page.locator("#action-error")).to_contain_text(
        "该预警已被他人先行办理，处置记录当前状态为“已签收”")
    expect(page.locator("#act-note-comment")).to_have_value("请尽快签收。")
    assert len(_events(runtime, wid)) == before

    page.click("#act-note button[type=submit]")  # the page now carries the current version
    expect(page.locator("#action-done")).to_contain_text("已完成“补充说明”")
    assert _events(runtime, wid)[-1].comment == "请尽快签收。"


def test_a_handler_of_another_department_gets_404(open_tab: Opener, runtime: Runtime) -> None:
    wid = _warning(runtime)
    tab = open_tab("cw-e2e", "handler", "CWK")
    response = tab.goto(f"/warnings/{wid}")
    assert response is not None and response.status == 404
    version = _record(runtime, wid).version
    assert _post_form(tab, wid, action="receive", version=str(version)) == 404
    assert (_record(runtime, wid).state, _record(runtime, wid).version) == ("issued", version)


def test_the_reviewer_sees_no_forms_and_may_not_post(open_tab: Opener, runtime: Runtime) -> None:
    wid = _warning(runtime)
    tab = open_tab("reviewer-e2e", "reviewer")
    response = tab.goto(f"/warnings/{wid}")
    assert response is not None and response.status == 200
    expect(tab.locator("h1")).to_have_text("物资采购中串通投标")
    expect(tab.locator(".action-form")).to_have_count(0)
    expect(tab.locator("#handling")).to_have_count(0)
    version = _record(runtime, wid).version
    assert _post_form(tab, wid, action="receive", version=str(version)) == 403
    assert _record(runtime, wid).version == version
