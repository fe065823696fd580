"""Pages name who did something as a person and role ("office（防控办）"), never `user:office`."""

import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from tests.integration.page_client import Site, act_by_form, build_site
from tests.integration.petition_world import build_world, csrf_of
from tests.integration.test_register_pages import _form, _point
from warning.db.models import Department, User
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _named(page: str) -> None:
    assert "user:office" not in page
    assert "office（防控办）" in page


def test_stored_reviews_name_who_stored_them(site: Site) -> None:
    office = site.client("office")
    office.get("/review")
    stored = office.post("/review/snapshots", data={
        "quarter": "2026Q4", "note": "定稿说明", "csrf_token": office.cookies[COOKIE]})
    assert stored.status_code == 303, stored.text[:2000]
    _named(office.get(stored.headers["location"]).text)
    _named(office.get("/review?quarter=2026Q4").text)


def test_a_risk_points_history_names_who_changed_it(site: Site) -> None:
    office = site.client("office")
    office.get("/register/points/CG-001")
    changed = office.post("/register/points/CG-001", data={
        **_form(_point(site), level="low", reason="复核后调整"),
        "csrf_token": office.cookies[COOKIE]})
    assert changed.status_code == 303, changed.text[:2000]
    _named(office.get("/register/points/CG-001").text)


def test_the_rules_page_names_who_reloaded_them(site: Site) -> None:
    office = site.client("office")
    office.get("/rules")
    reloaded = office.post("/rules/reload", data={"csrf_token": office.cookies[COOKIE]})
    assert reloaded.status_code in (200, 303), reloaded.text[:2000]
    _named(office.get("/rules").text)


def test_a_petitions_reveals_and_reply_name_who_made_them(runtime: Runtime) -> None:
    app = create_app(runtime)
    app.state.reporter_cipher = ReporterCipher([generate_key()])
    world = build_world(runtime, app, app.state.reporter_cipher)
    office = world.client("office")
    page = office.get(f"/signals/{world.first}")
    shown = office.post(f"/signals/{world.first}/reveal",
                        data={"reason": "核实来信情况", "csrf_token": csrf_of(page.text)})
    assert shown.status_code == 200, shown.text[:2000]
    replied = office.post(f"/signals/{world.first}/reply",
                          data={"reply": "已收到，正在核查。", "csrf_token": csrf_of(page.text)})
    assert replied.status_code == 303, replied.text[:2000]
    again = office.get(f"/signals/{world.first}").text
    assert 'id="reveal-history"' in again and "核实来信情况" in again
    _named(again)


def test_a_handler_moved_since_is_named_with_the_department_they_acted_for(
    site: Site,
) -> None:
    """The trail, print view and .docx of 采购中心's record name its handler （采购中心）
    after an admin moved them to 财务科: not “cg（财务科）签收” on another department's record."""
    handler = site.client("cg")
    assert act_by_form(site, handler, "receive").status_code == 303
    with site.runtime.sessions() as session, session.begin():
        moved = session.scalars(select(User).where(User.name == "cg")).one()
        moved.department_id = session.scalar(select(Department.id).where(
            Department.code == "CWK"))
    office = site.client("office")
    wid = site.warning_id
    document = Document(io.BytesIO(office.get(f"/api/warnings/{wid}/record.docx").content))
    word = "\n".join(cell.text for table in document.tables for row in table.rows
                     for cell in row.cells)
    for page in (office.get(f"/warnings/{wid}").text,
                 office.get(f"/warnings/{wid}/print").text, word):
        assert "cg（财务科）" not in page
        assert "cg（采购中心）" in page
