"""研判 on the pages and the API: forms, field messages, CSRF, who sees the proposal."""

import base64
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.test_route_authz import route_table
from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.models import HandlingEvent, HandlingRecord, Notice, Signal
from warning.services.signal_input import SignalIn
from warning.web.pages.csrf import COOKIE

MARKER = "研判标记T8808"


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _post(client: TestClient, url: str, data: dict[str, str], csrf: bool = True) -> Any:
    if csrf and not client.cookies.get(COOKIE):
        client.get("/login")
    token = client.cookies.get(COOKIE) or "" if csrf else ""
    return client.post(url, data={"csrf_token": token, **data})


def _record(world: TriageWorld, warning_id: int) -> HandlingRecord:
    with world.runtime.sessions() as session:
        return session.scalars(select(HandlingRecord)
                               .where(HandlingRecord.warning_id == warning_id)).one()


def _events(world: TriageWorld, warning_id: int) -> list[str]:
    record = _record(world, warning_id)
    with world.runtime.sessions() as session:
        return list(session.scalars(select(HandlingEvent.action)
                                    .where(HandlingEvent.record_id == record.id)
                                    .order_by(HandlingEvent.seq)))


def test_no_route_shows_a_proposal_to_departments_leaders_or_reviewers(
    world: TriageWorld,
) -> None:
    signal_id, [wid] = world.petition(1)
    app_client = world.client("office")
    # The marker lives on the proposal alone (its subject), not on the signal: a reviewer
    # may read a petition's particulars, never the proposal.
    named = app_client.post(f"/api/warnings/{wid}/triage", json={
        "decision": "amend", "subject_kind": "person", "subject_name": MARKER})
    assert named.status_code == 200, named.text
    routes = sorted(set(route_table(app_client.app)))  # type: ignore[arg-type]
    assert MARKER in app_client.get(f"/warnings/{wid}").text
    for role in ("handler_a", "leader_a", "reviewer"):
        client = world.client(role)
        for method, path in routes:
            if method != "GET" or path in ("/metrics", "/readyz", "/healthz"):
                continue
            url = path.replace("{warning_id}", str(wid)).replace("{warning_id:int}", str(wid))
            url = url.replace("{signal_id}", str(signal_id))
            url = url.replace("{signal_id:int}", str(signal_id))
            if "{" in url:
                continue
            for suffix in ("", "?state=proposed", "?format=csv", "?q=T8808"):
                answer = client.get(url + suffix)
                body = answer.content.decode("utf-8", "replace")
                assert MARKER not in body, (role, url + suffix)
                if "{warning_id" in path:
                    assert answer.status_code in (403, 404), (role, url, answer.status_code)
        home = client.get("/").text
        assert "tile-proposals" not in home and "待研判" not in home, role
        assert f"/warnings/{wid}" not in client.get("/inbox").text, role
        api = client.get("/api/warnings").json()
        assert api["total"] == 0 and api["items"] == [], role


def test_office_home_tile_and_inbox_name_the_triage_deadline(world: TriageWorld) -> None:
    _, [wid] = world.petition(2)
    client = world.client("office")
    home = client.get("/").text
    assert 'id="tile-proposals" href="/warnings?state=proposed"' in home
    listed = client.get("/warnings?state=proposed").text
    assert f"/warnings/{wid}" in listed
    inbox = client.get("/inbox").text
    assert f"/warnings/{wid}" in inbox and "研判期限" in inbox
    api = client.get("/api/inbox").json()
    assert [item["warning_id"] for item in api] == [wid]
    # the office may print or download a proposal's record like any other
    assert client.get(f"/warnings/{wid}/print").status_code == 200
    assert client.get(f"/api/warnings/{wid}/record.docx").status_code == 200
    assert client.get(f"/api/warnings/{wid}/events").json()[0]["action_label"] == "生成待研判预警"


def test_issue_on_the_page_then_the_department_sees_it(world: TriageWorld) -> None:
    _, [wid] = world.petition(3)
    office = world.client("office")
    page = office.get(f"/warnings/{wid}").text
    assert 'id="triage-issue"' in page and "研判期限" in page
    answer = _post(office, f"/warnings/{wid}/triage", {"decision": "issue", "comment": "属实"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/warnings/{wid}?triaged=issue#triage"
    assert "已下达" in office.get(answer.headers["location"]).text
    assert _events(world, wid) == ["propose", "issue"]
    with world.runtime.sessions() as session:
        assert [n.kind for n in session.scalars(select(Notice))] == ["issued"]
    handler = world.client("handler_a")
    assert handler.get(f"/warnings/{wid}").status_code == 200
    again = _post(office, f"/warnings/{wid}/triage", {"decision": "issue"})
    assert again.status_code == 409 and "不是待研判预警" in again.text


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "dismiss", "comment": ""}, "comment", "请填写不予下达的理由"),
    ({"decision": "dismiss", "comment": "理" * 2001}, "comment", "不能超过 2000 字"),
    ({"decision": "dismiss", "comment": "<script>alert(1)</script>"}, "comment", "脚本"),
    ({"decision": "amend", "subject_kind": "person", "subject_name": "<script>x</script>"},
     "subject_name", "脚本"),
    ({"decision": "amend", "department": "NOPE"}, "department", "未知的部门"),
    ({"decision": "merge", "into": ""}, "into", "请填写要合并到的预警编号"),
    ({"decision": "merge", "into": "987654"}, "into", "不存在"),
    ({"decision": "fly"}, "decision", "请选择研判操作"),
    ({"decision": "issue", "version": "abc"}, "version", "版本号无效"),
])
def test_bad_proposal_forms_get_the_field_message_and_change_nothing(
    world: TriageWorld, data: dict[str, str], field: str, message: str,
) -> None:
    _, [wid] = world.petition(4)
    before = _record(world, wid)
    answer = _post(world.client("office"), f"/warnings/{wid}/triage", data)
    assert answer.status_code in (409, 422), answer.status_code
    assert message in answer.text and "<script>alert" not in answer.text
    if field != "decision":
        assert f'id="triage-err-{field}"' in answer.text, field
    after = _record(world, wid)
    assert (after.state, after.version) == (before.state, before.version)
    assert _events(world, wid) == ["propose"]


def test_csrf_unknown_ids_and_other_roles(world: TriageWorld) -> None:
    _, [wid] = world.petition(5)
    office = world.client("office")
    office.get("/login")
    refused = office.post(f"/warnings/{wid}/triage",
                          data={"decision": "dismiss", "comment": "x", "csrf_token": "bad"})
    assert refused.status_code == 403
    assert _post(office, "/warnings/99999/triage", {"decision": "issue"}).status_code == 404
    assert _post(office, "/warnings/abc/triage", {"decision": "issue"}).status_code == 404
    for role in ("handler_a", "leader_a", "reviewer"):
        client = world.client(role)
        assert _post(client, f"/warnings/{wid}/triage",
                     {"decision": "dismiss", "comment": "x"}).status_code == 403
        assert client.post(f"/api/warnings/{wid}/triage",
                           json={"decision": "issue"}).status_code == 403
    assert _record(world, wid).state == "proposed"


def test_amend_merge_and_dismiss_over_the_api(world: TriageWorld) -> None:
    office = world.client("office")
    _, [first] = world.petition(6)
    _, [second] = world.petition(7, person="李四")
    amended = office.post(f"/api/warnings/{second}/triage", json={
        "decision": "amend", "response": "admonition", "comment": "情节较重"})
    assert amended.status_code == 200 and amended.json()["state"] == "proposed"
    bad = office.post(f"/api/warnings/{second}/triage", json={"decision": "merge", "into": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "into"
    merged = office.post(f"/api/warnings/{second}/triage",
                         json={"decision": "merge", "into": str(first)})
    assert merged.status_code == 200 and merged.json()["state"] == "merged"
    dismissed = office.post(f"/api/warnings/{first}/triage",
                            json={"decision": "dismiss", "comment": "经核查不属实"})
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert _events(world, second) == ["propose", "amend", "merge"]
    # the second signal counts twice on the first: graded again as intake would
    assert _events(world, first) == ["propose", "absorb", "regrade", "dismiss"]


def test_signal_dismiss_duplicate_and_manual_warning_on_the_page(world: TriageWorld) -> None:
    office = world.client("office")
    quiet, raised = world.petition(8, text="反映工作作风问题")
    other, _ = world.petition(9, text="再次反映工作作风问题")
    assert raised == []
    page = office.get(f"/signals/{quiet}").text
    assert 'id="triage-warn"' in page and "待评估" not in page and "已评估" in page
    empty = _post(office, f"/signals/{quiet}/triage", {"decision": "dismiss", "comment": " "})
    assert empty.status_code == 422 and "请填写不予处理的理由" in empty.text
    bad_dup = _post(office, f"/signals/{other}/triage",
                    {"decision": "duplicate", "duplicate_of": str(other)})
    assert bad_dup.status_code == 422 and "不能标记为与自身重复" in bad_dup.text
    dup = _post(office, f"/signals/{other}/triage",
                {"decision": "duplicate", "duplicate_of": str(quiet), "comment": "同一事项"})
    assert dup.status_code == 303
    shown = office.get(dup.headers["location"]).text
    assert "重复信号" in shown and f"/signals/{quiet}" in shown
    no_point = _post(office, f"/signals/{quiet}/triage",
                     {"decision": "warn", "department": "BGS", "subject_kind": "department"})
    assert no_point.status_code == 422 and "请选择风险点" in no_point.text
    made = _post(office, f"/signals/{quiet}/triage", {
        "decision": "warn", "risk_point": "BG-001", "department": "BGS",
        "subject_kind": "person", "subject_name": "王五", "propose": "1"})
    assert made.status_code == 303 and "/warnings/" in made.headers["location"]
    wid = int(made.headers["location"].split("/warnings/")[1].split("?")[0])
    assert _record(world, wid).state == "proposed"
    assert world.client("handler_a").get(f"/warnings/{wid}").status_code == 404
    gone = _post(office, f"/signals/{quiet}/triage", {"decision": "dismiss", "comment": "无需处理"})
    assert gone.status_code == 303
    twice = _post(office, f"/signals/{quiet}/triage", {"decision": "dismiss", "comment": "再次"})
    assert twice.status_code == 422 and "已标记为“不予处理”" in twice.text
    with world.runtime.sessions() as session:
        signal = session.get(Signal, quiet)
        assert signal is not None and signal.disposition == "dismissed"
        assert signal.disposition_reason == "无需处理" and signal.disposed_by
    listed = office.get("/signals").text
    assert "不予处理" in listed and "重复信号" in listed
    assert _post(office, "/signals/987654/triage",
                 {"decision": "dismiss", "comment": "x"}).status_code == 404
    handler = world.client("handler_a")
    assert handler.post(f"/api/signals/{quiet}/triage",
                        json={"decision": "dismiss", "comment": "x"}).status_code == 403


def test_a_rule_setting_overrides_the_channel(db_url: str, rules_dir: Path,
                                              tmp_path: Path) -> None:
    rules = rules_dir / "test-rules.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("    name: 围标串标\n", "    name: 围标串标\n    triage: false\n")
    split = "    name: 化整为零规避招标\n"
    text = text.replace(split, split + "    triage: true\n")
    rules.write_text(text, encoding="utf-8")
    for world in build_triage_world(db_url, rules_dir, tmp_path):
        _, [petition] = world.petition(10)  # confidential channel, rule says issue at once
        assert _record(world, petition).state == "issued"
        audit = world.runtime.intake.ingest([SignalIn(
            channel="audit", department="CGZX", title="审计发现", text="拆分合同规避招标",
            amount=20000, external_id="AUD-T1")])[0]
        [split] = [w.id for w in audit.warnings]  # an open channel, the rule asks for 研判
        assert _record(world, split).state == "proposed"


def _docx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                       if name.endswith(".xml"))


def test_the_target_of_a_merge_tells_departments_nothing_of_a_proposal(
    world: TriageWorld,
) -> None:
    office = world.client("office")
    _, [first] = world.petition(21)
    issued = office.post(f"/api/warnings/{first}/triage", json={"decision": "issue"})
    assert issued.status_code == 200, issued.text
    _, [second] = world.petition(22, person="李四")
    merged = office.post(f"/api/warnings/{second}/triage",
                         json={"decision": "merge", "into": str(first)})
    assert merged.status_code == 200, merged.text
    assert "absorb" in _events(world, first)
    for role in ("handler_a", "leader_a", "reviewer"):
        client = world.client(role)
        pages = {url: client.get(url) for url in (
            f"/warnings/{first}", f"/warnings/{first}/print",
            f"/api/warnings/{first}/events", f"/api/warnings/{first}/record.docx")}
        for url, answer in pages.items():
            assert answer.status_code == 200, (role, url, answer.status_code)
            body = (_docx_text(answer.content) if url.endswith(".docx")
                    else answer.content.decode("utf-8"))
            # 研判 names the office's judgement of a proposal; the intake's actor label
            # (系统（信号研判）) is the only place a department may read the word.
            body = body.replace("信号研判", "")
            assert "研判" not in body, (role, url)


def test_an_issued_proposal_keeps_its_triage_trail_and_named_person_from_departments(
    world: TriageWorld,
) -> None:
    named, remark = "被举报人甲T9911", "举报人可信情节较轻T9911"
    office = world.client("office")
    _, [wid] = world.petition(23, person=named)
    amended = office.post(f"/api/warnings/{wid}/triage", json={
        "decision": "amend", "response": "reminder", "comment": remark})
    assert amended.status_code == 200, amended.text
    issued = office.post(f"/api/warnings/{wid}/triage", json={"decision": "issue"})
    assert issued.status_code == 200, issued.text
    office_trail = office.get(f"/api/warnings/{wid}/events").text
    assert named in office_trail and remark in office_trail
    for role in ("handler_a", "leader_a", "reviewer"):
        client = world.client(role)
        events = client.get(f"/api/warnings/{wid}/events")
        assert events.status_code == 200, (role, events.status_code)
        [shown] = events.json()
        # its 下达 reads like the intake's own: from no state, no word of 研判
        assert shown["action"] == "issue" and shown["from_state"] == "", role
        assert "after_triage" not in shown["data"], role
        for url in (f"/api/warnings/{wid}/events", f"/warnings/{wid}", f"/warnings/{wid}/print",
                    f"/api/warnings/{wid}/record.docx"):
            answer = client.get(url)
            assert answer.status_code == 200, (role, url, answer.status_code)
            body = (_docx_text(answer.content) if url.endswith(".docx")
                    else answer.content.decode("utf-8"))
            assert remark not in body and "研判修改" not in body, (role, url)
            # the reviewer reads a petition's particulars, the subject included
            assert role == "reviewer" or named not in body, (role, url)


def test_notes_and_files_added_to_a_proposal_stay_with_the_office_once_issued(
    world: TriageWorld,
) -> None:
    """The whole 研判 stage is the office's: a note (补充说明) and the file it carries, written
    while the warning was a proposal, reach no department route after it is issued."""
    remark, filename = "研判备注举报人系内部员工T9922", "研判笔记T9922.txt"
    content = "举报线索T9922".encode()
    office = world.client("office")
    _, [wid] = world.petition(24)
    noted = office.post(f"/api/warnings/{wid}/actions", json={
        "action": "note", "version": _record(world, wid).version, "comment": remark,
        "attachments": [{"filename": filename,
                         "content": base64.b64encode(content).decode()}]})
    assert noted.status_code == 200, noted.text
    issued = office.post(f"/api/warnings/{wid}/triage", json={"decision": "issue"})
    assert issued.status_code == 200, issued.text
    sha = hashlib.sha256(content).hexdigest()
    assert office.get(f"/api/warnings/{wid}/attachments/{sha}").status_code == 200
    routes = sorted(set(route_table(office.app)))  # type: ignore[arg-type]
    for role in ("handler_a", "leader_a", "reviewer"):
        client = world.client(role)
        assert [e["action"] for e in client.get(f"/api/warnings/{wid}/events").json()] \
            == ["issue"], role
        for method, path in routes:
            if method != "GET" or "{warning_id" not in path:
                continue
            url = re.sub(r"\{warning_id(:int)?\}", str(wid), path).replace("{sha256}", sha)
            answer = client.get(url)
            body = (_docx_text(answer.content) if url.endswith(".docx")
                    else answer.content.decode("utf-8", "replace"))
            assert remark not in body and filename not in body, (role, url)
            assert "待研判" not in body, (role, url)
            if "{sha256}" in path:
                assert answer.status_code == 404, (role, url, answer.status_code)


def test_the_issue_forms_say_their_comment_reaches_the_department(world: TriageWorld) -> None:
    """The comment typed when issuing is shown to the department, unlike every other
    研判 comment: the label says so, lest the office write what the department must not read."""
    office = world.client("office")
    signal_id, (proposal,) = world.petition(901)
    assert "下达意见（责任部门可见）" in office.get(f"/warnings/{proposal}").text
    assert "意见（直接下达时责任部门可见）" in office.get(f"/signals/{signal_id}").text
