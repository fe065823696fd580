"""Risk points on the pages: edited with a reason and a change history; imported and exported."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.page_client import Site, build_site
from warning.db.models import RiskPoint, RiskPointChange
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _form(point: RiskPoint, **changes: str) -> dict[str, str]:
    form = {"name": point.name, "category": point.category, "level": point.level,
            "department": "CGZX", "business_area": point.business_area,
            "manifestation": point.manifestation, "measure_prevention": point.measure_prevention,
            "measure_monitoring": point.measure_monitoring,
            "measure_handling": point.measure_handling,
            "responsible_person": point.responsible_person, "reviewed_on": "", "reason": ""}
    return {**form, **changes}


def _point(site: Site, code: str = "CG-001") -> RiskPoint:
    with site.runtime.sessions() as session:
        return session.scalars(select(RiskPoint).where(RiskPoint.code == code)).one()


def test_the_office_edits_a_point_and_the_history_keeps_who_what_and_why(site: Site) -> None:
    office = site.client("office")
    before = _point(site)
    office.get("/register/points/CG-001")
    answer = office.post("/register/points/CG-001", data={
        **_form(before, level="medium", measure_handling="约谈并通报",
                reviewed_on="2026-11-20", reason="年度复核后调整"),
        "csrf_token": office.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    after = _point(site)
    assert (after.level, after.measure_handling, str(after.reviewed_on)) == (
        "medium", "约谈并通报", "2026-11-20")
    with site.runtime.sessions() as session:
        changes = {c.field: c for c in session.scalars(select(RiskPointChange))}
    assert set(changes) == {"level", "measure_handling", "reviewed_on"}
    assert (changes["level"].old_value, changes["level"].new_value) == ("high", "medium")
    assert changes["level"].reason == "年度复核后调整" and changes["level"].actor == "user:office"
    page = office.get("/register/points/CG-001")
    assert "年度复核后调整" in page.text and "约谈并通报" in page.text and "风险等级" in page.text


@pytest.mark.parametrize("changes,field", [
    ({"reason": ""}, "请填写修改理由"), ({"category": "不存在的类别", "reason": "调整"},
                                          "风险类别"),
    ({"reviewed_on": "2999-01-01", "reason": "调整"}, "不能晚于今天"),
    ({"reviewed_on": "昨天", "reason": "调整"}, "日期格式"),
    ({"name": "", "reason": "调整"}, "请填写风险点名称"),
    ({"name": "长" * 201, "reason": "调整"}, "不能超过 200 字"),
    ({"department": "NOPE", "reason": "调整"}, "部门“NOPE”不存在"),
])
def test_a_bad_edit_says_which_field_and_changes_nothing(
    site: Site, changes: dict[str, str], field: str,
) -> None:
    office = site.client("office")
    before = _point(site)
    office.get("/register/points/CG-001")
    answer = office.post("/register/points/CG-001", data={
        **_form(before, level="low", **changes), "csrf_token": office.cookies[COOKIE]})
    assert answer.status_code == 422 and field in answer.text
    assert _point(site).level == before.level
    with site.runtime.sessions() as session:
        assert session.scalars(select(RiskPointChange)).all() == []


def test_departments_read_the_point_but_cannot_edit_it(site: Site) -> None:
    handler = site.client("cg")
    page = handler.get("/register/points/CG-001")
    assert page.status_code == 200 and 'id="point-form"' not in page.text
    refused = handler.post("/register/points/CG-001", data={
        **_form(_point(site), level="low", reason="越权"), "csrf_token": handler.cookies[COOKIE]})
    assert refused.status_code == 404 and _point(site).level == "high"
    assert handler.get("/register/points/NO-SUCH").status_code == 404


def test_the_register_exports_and_an_import_is_recorded_or_refused_whole(
    site: Site, tmp_path: Path,
) -> None:
    office = site.client("office")
    exported = office.get("/register/export?format=csv")
    assert exported.status_code == 200 and "编号,风险点" in exported.content.decode("utf-8-sig")
    assert office.get("/register/export?format=exe").status_code == 422
    text = exported.content.decode("utf-8-sig")
    changed = text.replace("物资采购中串通投标", "物资采购中串通投标（修订）", 1)
    office.get("/register")
    token = office.cookies[COOKIE]
    done = office.post("/register/import", data={"csrf_token": token},
                       files={"file": ("清单.csv", changed.encode("utf-8-sig"), "text/csv")})
    assert done.status_code == 200 and "导入完成" in done.text, done.text
    with site.runtime.sessions() as session:
        names = [c.field for c in session.scalars(select(RiskPointChange))]
    assert names.count("name") == 1
    lines = text.splitlines()
    broken = "\r\n".join([lines[0], lines[1].replace(",低,", ",极高,", 1), *lines[2:]])
    refused = office.post("/register/import", data={"csrf_token": token},
                          files={"file": ("清单.csv", broken.encode("utf-8-sig"), "text/csv")})
    assert refused.status_code == 422 and "未导入任何数据" in refused.text
    handler = site.client("cg")
    handler.get("/register")
    assert handler.post("/register/import", data={"csrf_token": handler.cookies[COOKIE]},
                        files={"file": ("x.csv", b"a", "text/csv")}).status_code == 404


def test_a_review_dated_today_in_beijing_is_taken_before_eight_in_the_morning(
    site: Site, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 07:30 on 3 December in Beijing is still 2 December in UTC
    monkeypatch.setattr("warning.web.pages.register_edit.utcnow",
                        lambda: datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
    office = site.client("office")
    office.get("/register/points/CG-001")
    answer = office.post("/register/points/CG-001", data={
        **_form(_point(site), reviewed_on="2026-12-03", reason="当日复核"),
        "csrf_token": office.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text[:3000]
    assert str(_point(site).reviewed_on) == "2026-12-03"
    refused = office.post("/register/points/CG-001", data={
        **_form(_point(site), reviewed_on="2026-12-04", reason="次日复核"),
        "csrf_token": office.cookies[COOKIE]})
    assert refused.status_code == 422 and "不能晚于今天" in refused.text
