"""Handling actions through the warning page's forms: success, refusals, scoping, the inbox."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.integration.page_client import Site, act_by_form, build_site
from warning.db.models import HandlingRecord
from warning.runtime import Runtime

PDF = b"%PDF-1.4 rectification report"


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _unchanged(site: Site, before: HandlingRecord) -> None:
    after = site.record()
    assert (after.state, after.version) == (before.state, before.version)


def test_the_handler_walks_the_record_to_reported_and_the_office_closes_it(site: Site) -> None:
    handler = site.client("cg")
    page = handler.get(f"/warnings/{site.warning_id}")
    assert 'id="act-receive"' in page.text and 'id="act-report"' not in page.text
    answer = act_by_form(site, handler, "receive")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/warnings/{site.warning_id}?done=receive#handling"
    shown = handler.get(answer.headers["location"]).text
    assert "已完成“签收”，处置记录当前状态：已签收。" in shown
    assert act_by_form(site, handler, "assign", responsible_person="李敏").status_code == 303
    answer = act_by_form(site, handler, "report", comment="已重新组织招标",
                         files=[("整改报告.pdf", PDF), ("说明.txt", "情况说明".encode())])
    assert answer.status_code == 303, answer.text
    record = site.record()
    assert (record.state, record.responsible_person) == ("reported", "李敏")
    report = site.events()[-1]
    assert (report.action, report.actor, report.comment) == ("report", "user:cg", "已重新组织招标")
    names = [a["filename"] for a in report.data["attachments"]]
    assert names == ["整改报告.pdf", "说明.txt"]
    stored = report.data["attachments"][0]["sha256"]
    assert (site.files / stored[:2] / stored).read_bytes() == PDF

    office = site.client("office")
    assert act_by_form(site, office, "return", comment="整改不彻底").status_code == 303
    returned = site.events()[-1]
    assert returned.action == "return" and returned.data["report_round"] == 1
    assert site.record().report_due_at.isoformat() == returned.data["report_due_at"]
    assert act_by_form(site, handler, "report", comment="补充整改").status_code == 303
    assert act_by_form(site, office, "accept").status_code == 303
    assert site.record().state == "closed"
    assert [e.action for e in site.events()] == [
        "issue", "receive", "assign", "report", "return", "report", "accept"]


def test_a_stale_version_is_refused_with_the_current_state(site: Site) -> None:
    handler = site.client("cg")
    assert act_by_form(site, handler, "receive").status_code == 303
    before = site.record()
    answer = act_by_form(site, handler, "receive", version=before.version - 1)
    assert answer.status_code == 409
    assert "该预警已被他人先行办理，处置记录当前状态为“已签收”" in answer.text
    assert f'name="version" value="{before.version}"' in answer.text
    _unchanged(site, before)


@pytest.mark.parametrize(("action", "fields", "files", "status", "message"), [
    ("assign", {"responsible_person": " "}, [], 422, "“责任到人”必须填写责任人"),
    ("assign", {"responsible_person": "李" * 101}, [], 422, "责任人不能超过 100 字"),
    ("report", {"comment": ""}, [], 422, "“整改情况上报”必须填写说明/理由"),
    ("report", {"comment": "已整改"}, [("a.exe", b"MZ")], 415, "附件“a.exe”类型不允许"),
    ("report", {"comment": "已整改"}, [("a.pdf", b"plain")], 415, "附件“a.pdf”内容与类型不符"),
    ("report", {"comment": "已整改"}, [("空.txt", b"")], 422, "附件“空.txt”是空文件"),
    ("report", {"comment": "已整改"}, [("big.pdf", b"%PDF" + b"0" * 2000)], 413,
     "附件“big.pdf”超过 1 KB 上限"),
    ("accept", {}, [], 409, "处置记录处于“整改中”状态，不能执行“评估通过并办结”"),
    ("withdraw", {"comment": "误发"}, [], 403, "角色“部门经办人”不能执行“撤销”"),
    ("fly", {}, [], 422, "未知的操作"),
])
def test_a_refused_action_shows_why_and_changes_nothing(
    site: Site, action: str, fields: dict[str, str], files: list[tuple[str, bytes]],
    status: int, message: str,
) -> None:
    handler = site.client("cg")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    before = site.record()
    answer = act_by_form(site, handler, action, files=files, **fields)
    assert answer.status_code == status, answer.text
    assert message in answer.text and 'id="action-error"' in answer.text
    _unchanged(site, before)
    assert not site.files.exists() or not any(site.files.rglob("*"))


def test_the_typed_report_is_kept_when_it_is_refused(site: Site) -> None:
    handler = site.client("cg")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    answer = act_by_form(site, handler, "report", comment="整改情况草稿",
                         files=[("a.exe", b"MZ")])
    assert ">整改情况草稿</textarea>" in answer.text


def test_a_form_without_its_version_is_refused(site: Site) -> None:
    handler = site.client("cg")
    handler.get(f"/warnings/{site.warning_id}")
    before = site.record()
    answer = handler.post(f"/warnings/{site.warning_id}/actions", data={
        "csrf_token": handler.cookies["qingfeng_csrf"], "action": "receive"})
    assert answer.status_code == 422 and "表单缺少版本号，请刷新页面后重试" in answer.text
    _unchanged(site, before)


def test_another_department_gets_404_for_the_page_and_the_form(site: Site) -> None:
    other = site.client("cw")
    before = site.record()
    assert other.get(f"/warnings/{site.warning_id}").status_code == 404
    assert act_by_form(site, other, "receive").status_code == 404
    _unchanged(site, before)


def test_the_reviewer_sees_no_forms_and_may_not_post(site: Site) -> None:
    reviewer = site.client("reviewer")
    page = reviewer.get(f"/warnings/{site.warning_id}")
    assert page.status_code == 200 and "action-form" not in page.text
    before = site.record()
    answer = act_by_form(site, reviewer, "receive")
    assert answer.status_code == 403
    assert "角色“监督检查”不能执行“签收”" in answer.text
    _unchanged(site, before)


def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    handler = site.client("cg")
    before = site.record()
    answer = handler.post(f"/warnings/{site.warning_id}/actions",
                          data={"action": "receive", "version": str(before.version)})
    assert answer.status_code == 403
    _unchanged(site, before)


def test_the_office_sees_only_office_actions(site: Site) -> None:
    text = site.client("office").get(f"/warnings/{site.warning_id}").text
    assert 'id="act-withdraw"' in text and 'id="act-note"' in text
    assert 'id="act-receive"' not in text and 'id="act-accept"' not in text


def test_the_inbox_lists_what_awaits_the_user_and_marks_overdue(site: Site) -> None:
    handler = site.client("cg")
    page = handler.get("/inbox")
    assert page.status_code == 200
    assert f'data-warning="{site.warning_id}"' in page.text and "签收期限" in page.text
    assert "已逾期" not in page.text
    with site.runtime.sessions() as session, session.begin():
        session.execute(update(HandlingRecord).values(
            receive_due_at=datetime.now(UTC) - timedelta(days=1)))
    page = handler.get("/inbox")
    assert "已逾期" in page.text and "其中 1 件已超过期限" in page.text
    assert f'data-warning="{site.warning_id}"' not in site.client("cw").get("/inbox").text
    office = site.client("office").get("/inbox").text
    assert "暂无待办" in office  # the office waits only on reported records


def test_a_form_over_the_body_limit_gets_a_chinese_413_page(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.settings.max_body_bytes = 20_000
    site = build_site(runtime, tmp_path)
    handler = site.client("cg")
    before = site.record()
    page = f"/warnings/{site.warning_id}"
    handler.headers.update({"Accept": "text/html,application/xhtml+xml",
                            "Referer": f"http://testserver{page}"})
    answer = act_by_form(site, handler, "receive", files=[("整改报告.pdf", PDF * 2000)])
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "提交的文件过大" in answer.text and "19.5 KB" in answer.text  # 20,000 bytes
    assert f'href="{page}"' in answer.text
    _unchanged(site, before)
    api = handler.post("/api/signals", content=b"x" * 30_000,
                       headers={"Accept": "application/json", "Content-Type": "application/json"})
    assert api.status_code == 413 and api.json()["error"]["code"] == "body_too_large"


def test_a_reports_files_show_their_size_in_words_a_reader_trusts(site: Site) -> None:
    handler = site.client("cg")
    assert act_by_form(site, handler, "receive").status_code == 303
    assert act_by_form(site, handler, "assign", responsible_person="李敏").status_code == 303
    answer = act_by_form(site, handler, "report", comment="已整改",
                         files=[("说明.txt", "情况说明".encode()),  # 12 bytes, not "0.0 KB"
                                ("清单.txt", b"x" * 1000)])  # the test site's limit is 1 KB
    assert answer.status_code == 303, answer.text[:2000]
    page = site.client("office").get(f"/warnings/{site.warning_id}").text
    assert "（12 字节）" in page and "（1000 字节）" in page and "KB" not in page
