"""The office's working day, whole, on the pages (issue 14), in Debian's Chromium.

A petition logged on the confidential channel's signal form → its warning (issued by the
office if it starts as a proposal) → the department's handler signs, names a person, reports
with a .docx → the office opens the file from the warning page, returns it with an
evaluation opinion → the handler reports again → the office accepts, recording the measure
applied → the record's print view printed to PDF by the browser and read back.
"""

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from playwright.sync_api import Page, expect

from tests.e2e.conftest import IN_CI, Opener
from tests.e2e.helpers import Screenshots
from tests.integration.triage_world import channels_proposing
from tests.support import seeded_runtime
from warning.petitions.keys import KEY_VARIABLE, generate_key
from warning.runtime import Runtime

TITLE = "关于采购中心办公设备采购项目的举报"
TEXT = "来信反映：采购中心张某某在办公设备采购项目中与供应商串标，事先泄露标底，请组织核查。"
REPORTER = {"name": "赵某某", "phone": "13912345678", "id_number": "110101198001019875",
            "unit": "某某设备有限公司", "address": "北京市西城区某某路 1 号"}
PERSON = "李敏"  # the handler of 采购中心, who names herself the responsible person
OFFICER = "王某某"  # of the office (防控办)
REPORT_NAME = "整改报告.docx"
FIRST_REPORT = "已暂停该项目采购，重新组织招标；相关人员已作书面说明。"
RETURN_OPINION = "附件中未见对相关人员的处理情况，请补充后重新上报。"
SECOND_REPORT = "已补充相关人员的处理情况：张某某已作出书面检查，退还相关款项。"
ACCEPT_OPINION = "整改措施具体，相关人员已作处理，同意办结。"
# The grade at issue is 诫勉谈话 (CG-001 is high); the office judges a lighter measure enough.
MEASURE = ("talk", "谈话提醒")
# The fields of the seeds' 《廉洁风险预警处置记录》 (附件七) as the print view lays them out.
FORM_FIELDS = (
    "廉洁风险预警处置记录", "编号", "责任部门", "下达时间", "风险点", "预警来源", "预警对象",
    "处置措施（下达）", "签收期限", "上报期限", "签收", "责任人", "整改情况", "评估意见",
    "实际采取的处置措施", "办结时间", "当前状态", "部门负责人（签字）", "防控办负责人（签字）",
)


def fill_reporter(tab: Page, reporter: dict[str, str]) -> None:
    """Fill the confidential channel's reporter fields: a named report that came by letter."""
    tab.check("#f-named")  # 实名举报
    for key, value in reporter.items():
        tab.locator(f"[name='reporter_{key}']").fill(value)
    tab.locator("select[name='intake_mode']").select_option(label="来信")


def issue_proposal(tab: Page, warning_url: str) -> None:
    """Issue (下达) the proposal (待研判) at `warning_url`: a petition's warning must start as one.

    After issuing, the 研判 panel says so and offers no more decisions, and the trail holds
    the office's comment.
    """
    tab.goto(warning_url)
    expect(tab.locator("#triage")).to_be_visible()  # fails when the warning is no proposal
    form = tab.locator("#triage-issue")
    form.locator("textarea[name='comment']").fill("经研判，反映问题具体，予以下达。")
    form.get_by_role("button", name="下达", exact=True).click()
    expect(tab.locator("#triage-done")).to_be_visible()
    expect(tab.locator("#triage-issue")).to_have_count(0)
    expect(tab.locator("body")).to_contain_text("经研判，反映问题具体，予以下达。")


def _docx(path: Path) -> bytes:
    """Write a small real Word file (python-docx) and return its bytes."""
    document = Document()
    document.add_heading("关于办公设备采购项目串标问题的整改报告", level=1)
    document.add_paragraph(FIRST_REPORT)
    document.add_paragraph(f"责任人：{PERSON}")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _pdf_text(pdf: Path) -> str:
    """Read the PDF's text back with pdftotext (poppler-utils), without whitespace."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext not found: apt-get install poppler-utils"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True, timeout=60)
    return "".join(done.stdout.decode("utf-8").split())


def _act(tab: Page, action: str, done: str, **fields: str) -> None:
    """Fill an action form of the warning page, submit it, wait for its confirmation."""
    for name, value in fields.items():
        tab.fill(f"#act-{action}-{name}", value)
    asked: list[str] = []
    if action == "accept":  # 办结 ends the record: the page asks first (static/confirm.js)
        tab.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    tab.click(f"#act-{action} button[type=submit]")
    expect(tab.locator("#action-done")).to_contain_text(done)
    confirmed = ["评估通过并办结后，该预警不能再办理。确定办结吗？"]
    assert asked == (confirmed if action == "accept" else [])


def _log_petition(office: Page, screenshots: Screenshots) -> str:
    """Log the petition with its reporter on the signal form, read the reporter back (with a
    reason, as the office must); return the warning's URL."""
    office.goto("/signals/new")
    office.select_option("#f-channel", "petition")
    office.fill("#f-title", TITLE)
    office.fill("#f-text", TEXT)
    office.select_option("#f-department", "CGZX")
    office.fill("#f-person", "张某某")
    office.fill("#f-amount", "1200000")
    fill_reporter(office, REPORTER)
    office.get_by_role("button", name="登记并评估").click()
    expect(office).to_have_url(re.compile(r"/signals/\d+\?result=created$"))
    raised = office.locator("#raised-warnings tbody tr")
    expect(raised).to_have_count(1)
    expect(raised.first).to_contain_text("采购中心")
    screenshots.take(office, "signal")
    href = raised.first.locator("a").first.get_attribute("href")
    assert href is not None and re.fullmatch(r"/warnings/\d+", href), href
    office.fill("#f-reason", "核对举报人登记信息")
    office.click("#reveal-form button[type=submit]")
    expect(office.locator("#reporter-name")).to_have_text(REPORTER["name"])
    return href


def _office_opens_the_report(office: Page, warning_url: str, sent: bytes, tmp: Path) -> None:
    """Open the report's file from the warning page: a download, byte for byte."""
    office.goto(warning_url)
    link = office.locator("#handling-events .attachments a", has_text=REPORT_NAME)
    expect(link).to_have_count(1)
    with office.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == REPORT_NAME
    download.save_as(tmp / "opened.docx")
    assert (tmp / "opened.docx").read_bytes() == sent
    # The same link fetched with the office's cookies, for the headers a download hides.
    answer = office.request.get(link.get_attribute("href") or "")
    assert answer.status == 200 and answer.body() == sent
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert f"filename*=UTF-8''{quote(REPORT_NAME)}" in disposition
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert Document(io.BytesIO(answer.body())).paragraphs[1].text == FIRST_REPORT


@pytest.fixture
def runtime(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[Runtime]:
    """The integration runtime, its petition channel left to its default: proposals."""
    yield from seeded_runtime(db_url, rules_dir, channels_proposing(tmp_path))


def test_the_office_s_day_walks_the_whole_loop_on_the_pages(
    open_tab: Opener, runtime: Runtime, screenshots: Screenshots, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_VARIABLE, generate_key())
    runtime.settings = runtime.settings.model_copy(update={"attachments_dir": tmp_path / "files"})
    office = open_tab("wang-office", "office", person=OFFICER)
    warning_url = _log_petition(office, screenshots)
    handler = open_tab("li-cgzx", "handler", "CGZX", person=PERSON)
    handler.goto("/inbox")
    expect(handler.locator(f"a[href='{warning_url}']")).to_have_count(0)  # not told yet
    issue_proposal(office, warning_url)

    handler.goto("/inbox")
    row = handler.locator(f"#inbox-table tr:has(a[href='{warning_url}'])")
    expect(row).to_contain_text("签收期限")
    screenshots.take(handler, "inbox")
    row.locator("a").first.click()
    expect(handler).to_have_url(re.compile(re.escape(warning_url) + "$"))
    _act(handler, "receive", "已签收")
    _act(handler, "assign", "整改中", person=PERSON)
    sent = _docx(tmp_path / REPORT_NAME)
    handler.fill("#act-report-comment", FIRST_REPORT)
    handler.set_input_files("#act-report-files", str(tmp_path / REPORT_NAME))
    _act(handler, "report", "已上报")
    expect(handler.locator("#handling-events")).to_contain_text(f"附件：{REPORT_NAME}")

    _office_opens_the_report(office, warning_url, sent, tmp_path)
    expect(office.locator("label[for='act-return-comment']")).to_contain_text("评估意见")
    _act(office, "return", "整改中", comment=RETURN_OPINION)

    handler.goto(warning_url)
    _act(handler, "report", "已上报", comment=SECOND_REPORT)

    office.goto("/inbox")
    office.locator(f"#inbox-table tr:has(a[href='{warning_url}']) a").first.click()
    graded = office.locator("#act-accept-measure option[selected]").get_attribute("value")
    assert graded != MEASURE[0], "choose a measure that differs from the grade at issue"
    office.select_option("#act-accept-measure", MEASURE[0])
    expect(office.locator("label[for='act-accept-comment']")).to_contain_text("评估意见")
    _act(office, "accept", "已办结", comment=ACCEPT_OPINION)
    trail = office.locator("#handling-events")
    for text in (FIRST_REPORT, RETURN_OPINION, SECOND_REPORT, ACCEPT_OPINION, PERSON,
                 MEASURE[1]):
        expect(trail).to_contain_text(text)
    expect(trail).to_contain_text(f"{PERSON}（采购中心）")  # people, not login names
    expect(trail).to_contain_text(f"{OFFICER}（防控办）")
    shown = trail.inner_text()
    assert "user:" not in shown and "system:" not in shown, "actors shown as ids"
    office.goto(warning_url)
    expect(office.locator("#measure-applied")).to_have_text(MEASURE[1])
    screenshots.take(office, "warning")
    office.locator("#handling-events li").last.scroll_into_view_if_needed()
    screenshots.take(office, "warning-trail")

    office.click("#print-record")
    expect(office.locator("h1")).to_have_text("廉洁风险预警处置记录")
    expect(office.locator("nav")).to_have_count(0)
    measure_cell = office.locator("tr:has(th:text-is('实际采取的处置措施')) td").first
    expect(measure_cell).to_have_text(MEASURE[1])
    screenshots.take(office, "record-print")
    office.pdf(path=str(tmp_path / "record.pdf"), format="A4", print_background=True)
    printed = _pdf_text(tmp_path / "record.pdf")
    assert "本页为A4打印版式" not in printed  # the screen-only hint stays off paper
    missing = [f for f in FORM_FIELDS if f not in printed]
    assert missing == [], f"fields not printed: {missing}"
    wid = warning_url.rsplit("/", 1)[1]
    for value in (f"{wid}号", "采购中心", "信访举报", PERSON, FIRST_REPORT,
                  SECOND_REPORT, RETURN_OPINION, ACCEPT_OPINION, MEASURE[1], REPORT_NAME,
                  "已办结", f"{OFFICER}（防控办）", f"{PERSON}（采购中心）"):
        assert value in printed, f"{value} not in the printed record"
    assert screenshots.taken == ["signal", "inbox", "warning", "warning-trail", "record-print"]
