"""A full disk or an unwritable attachments directory: the action is refused whole, in Chinese.

Writing a report's files failed with the OSError itself: the API answered 500 服务器内部
错误 (the page the same JSON, the handler's typed report gone), and a disk that filled
midway left the half-written `.part` file behind. Now nothing is recorded, no partial file
stays, the API answers 507 and the page shows itself again saying why. The full disk is a
real one: a full tmpfs.
"""

import base64
import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.full_disk import SmallDisks
from tests.integration.page_client import Site, act_by_form, build_site
from tests.integration.test_handling_api import make_app
from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.runtime import Runtime

PDF = b"%PDF-1.4 " + b"report " * 20


def _break(directory: Path, how: str, disks: SmallDisks) -> None:
    """Make `directory` unable to take PDF: a full disk (a full tmpfs mounted where PDF's
    shard goes) or not a directory."""
    if how == "full":
        sha = hashlib.sha256(PDF).hexdigest()
        disks.fill(disks.mount(directory / sha[:2]))
    else:
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.write_text("not a directory")  # as a read-only or missing mount refuses


def _left(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.endswith(".part")] \
        if directory.is_dir() else []


@pytest.mark.parametrize("how", ["full", "unwritable"])
def test_the_page_keeps_the_report_and_records_nothing(
    runtime: Runtime, tmp_path: Path, how: str, small_disk: SmallDisks
) -> None:
    site: Site = build_site(runtime, tmp_path)
    handler = site.client("cg")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    before = [e.action for e in site.events()]
    _break(site.files, how, small_disk)
    answer = act_by_form(site, handler, "report", comment="已整改完毕的说明",
                         files=[("整改报告.pdf", PDF)])
    assert answer.status_code == 507, answer.text  # the page again, the report kept
    assert "无法保存到服务器" in answer.text and "已整改完毕的说明" in answer.text
    assert ("磁盘已满" if how == "full" else "附件目录不可写") in answer.text
    assert [e.action for e in site.events()] == before
    assert _left(site.files) == []


@pytest.mark.parametrize("how", ["full", "unwritable"])
def test_the_api_answers_507_and_records_nothing(
    session_factory: sessionmaker[Session], tmp_path: Path, how: str, small_disk: SmallDisks
) -> None:
    world = build_world(session_factory)
    client = TestClient(make_app(session_factory, tmp_path / "files"))
    wid = new_warning(session_factory, world)
    auth = {"Authorization": f"Bearer {world.tokens['handler_a']}"}
    for version, body in ((1, {"action": "receive"}),
                          (2, {"action": "assign", "responsible_person": "李四"})):
        assert client.post(f"/api/warnings/{wid}/actions", headers=auth,
                           json={**body, "version": version}).status_code == 200
    _break(tmp_path / "files", how, small_disk)
    answer = client.post(f"/api/warnings/{wid}/actions", headers=auth, json={
        "action": "report", "version": 3, "comment": "已整改",
        "attachments": [{"filename": "整改报告.pdf",
                         "content": base64.b64encode(PDF).decode()}]})
    assert answer.status_code == 507, answer.text
    error = answer.json()["error"]
    assert error["code"] == "attachment_not_stored" and "无法保存到服务器" in error["message"]
    events = client.get(f"/api/warnings/{wid}/events", headers=auth).json()
    assert [e["action"] for e in events] == ["issue", "receive", "assign"]
    assert _left(tmp_path / "files") == []
