"""风险点: one risk point with its change history; office and admin edit, import and export.

Every change, by the form or by an import, goes through `warning.register.history`, which
records who, when, the old and new value and the reason.
"""

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from warning.auth.principal import Principal
from warning.db.admin_lock import take_admin_lock
from warning.db.models import Department, RiskPoint
from warning.db.models.base import utcnow
from warning.domain.calendar import local_date
from warning.domain.enums import Level
from warning.domain.lifecycle import Role
from warning.domain.sizes import limit_size
from warning.queries.actors import actor_names
from warning.queries.catalog import categories, departments
from warning.register.files import RegisterError
from warning.register.history import (
    FIELD_LABELS,
    change_point,
    history_of,
    newest_change,
    point_to_change,
    record_import,
    snapshot,
)
from warning.register.service import export_register, import_register
from warning.web.deps import SessionDep
from warning.web.disposition import attachment_disposition
from warning.web.pages.csrf import check_form
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()
EDITORS = (Role.OFFICE, Role.ADMIN)
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "yaml": "application/yaml"}
TEXT_LIMITS = {"name": 200, "business_area": 100, "responsible_person": 100,
               "manifestation": 5000, "measure_prevention": 5000, "measure_monitoring": 5000,
               "measure_handling": 5000}
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _point(session: Session, code: str) -> RiskPoint:
    point = session.scalars(select(RiskPoint).where(RiskPoint.code == code[:32])).first()
    if point is None:
        raise PageNotFound(f"风险点 {code}")
    return point


def _page(request: Request, session: Session, principal: Principal, point: RiskPoint, *,
          errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
          done: str = "", status_code: int = 200) -> HTMLResponse:
    names = {str(d.id): d.name for d in departments(session)}
    history = history_of(session, point.id)
    return render(request, "register/point.html", {
        "nav": "register", "p": point, "history": history,
        "actor_names": actor_names(session, (c.actor for c in history)),
        "labels": FIELD_LABELS, "department_names": names,
        "may_edit": principal.role in EDITORS, "errors": errors or {}, "form": form or {},
        "categories": categories(session), "levels": list(Level),
        "departments": departments(session), "done": done,
        "seen": max((change.id for change in history), default=0),
    }, status_code=status_code)


@router.get("/register/points/{code}", response_class=HTMLResponse)
def point_page(code: str, request: Request, session: SessionDep,
               principal: PagePrincipal) -> HTMLResponse:
    """Show one risk point, its measures and its change history."""
    done = "已保存修改。" if request.query_params.get("done") else ""
    return _page(request, session, principal, _point(session, code), done=done)


def _validated(session: Session, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        text = form.get(name, "").strip()
        if len(text) > limit:
            errors[name] = f"不能超过 {limit} 字"
        values[name] = text
    if not values["name"]:
        errors["name"] = "请填写风险点名称"
    if form.get("category", "") not in categories(session):
        errors["category"] = "请选择清单中的风险类别"
    values["category"] = form.get("category", "")
    if form.get("level", "") not in {lv.value for lv in Level}:
        errors["level"] = "请选择高、中或低"
    values["level"] = form.get("level", "")
    code = form.get("department", "").strip()
    department = session.scalar(select(Department.id).where(Department.code == code[:32]))
    if code and department is None:
        errors["department"] = f"部门“{code}”不存在"
    values["department_id"] = department
    reviewed = form.get("reviewed_on", "").strip()
    values["reviewed_on"] = None
    if reviewed:
        try:
            values["reviewed_on"] = date.fromisoformat(reviewed)
        except ValueError:
            errors["reviewed_on"] = "日期格式应为 2026-09-30"
        else:
            if values["reviewed_on"] > local_date(utcnow()):  # today in Beijing, not UTC
                errors["reviewed_on"] = "复核日期不能晚于今天"
    if len(form.get("reason", "").strip()) < 2:
        errors["reason"] = "请填写修改理由（至少 2 个字）"
    elif len(form.get("reason", "")) > 1000:
        errors["reason"] = "不能超过 1000 字"
    return values, errors


@router.post("/register/points/{code}", response_class=HTMLResponse)
async def edit_point(code: str, request: Request, session: SessionDep,
                     principal: PagePrincipal) -> Response:
    """Change a risk point, recording each changed field with the reason."""
    if principal.role not in EDITORS:
        raise PageNotFound(f"风险点 {code}")
    raw = await request.form()  # before the first read: no connection held while it comes
    check_form(request, raw)
    point = point_to_change(session, code)
    if point is None:
        raise PageNotFound(f"风险点 {code}")
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    values, errors = _validated(session, form)
    if errors:
        return _page(request, session, principal, point, errors=errors, form=form,
                     status_code=422)
    if form.get("seen", "").isdigit() and int(form["seen"]) != newest_change(session, point.id):
        if all(getattr(point, name) == value for name, value in values.items()):
            session.rollback()  # this very form, sent again after it was saved
            return RedirectResponse(f"/register/points/{quote(point.code)}?done=1",
                                    status_code=303)
        return _page(request, session, principal, point, status_code=409, errors={
            "stale": "打开表单后，该风险点已被他人修改：下面是现在的内容，请在此基础上重新修改。"})
    change_point(session, point, values, actor=principal.actor,
                 reason=form["reason"].strip(), source="page")
    session.commit()
    return RedirectResponse(f"/register/points/{quote(point.code)}?done=1", status_code=303)


@router.get("/register/export")
def export_page(
    session: SessionDep, principal: PagePrincipal,
    format: Literal["xlsx", "csv", "yaml"] = "xlsx",
) -> Response:
    """Download the register as .xlsx, .csv or .yaml with the seeds' Chinese headers."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"register.{format}"
        export_register(session, path)
        content = path.read_bytes()
    return Response(content, media_type=FORMATS[format], headers={
        "Content-Disposition": attachment_disposition(f"风险点清单.{format}",
                                                      f"register.{format}"),
        "Cache-Control": "no-store"})


@router.post("/register/import", response_class=HTMLResponse)
async def import_page(request: Request, session: SessionDep,
                      principal: PagePrincipal) -> HTMLResponse:
    """Import a register file; any problem imports nothing and is listed by row."""
    if principal.role not in EDITORS:
        raise PageNotFound("页面")
    raw = await request.form()
    check_form(request, raw)
    upload = raw.get("file")
    problems: list[str] = []
    summary = ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems = ["请选择要导入的 .xlsx、.csv 或 .yaml 文件"]
    else:
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        suffix = Path(upload.filename).suffix.lower()
        if len(content) > MAX_IMPORT_BYTES:
            problems = [f"文件超过 {limit_size(MAX_IMPORT_BYTES)} 上限"]
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"upload{suffix}"
                path.write_bytes(content)
                take_admin_lock(session)  # the snapshot must be what the import changes
                before = snapshot(session)
                try:
                    result = import_register(session, path)
                    changed = record_import(session, before, actor=principal.actor,
                                            reason=f"导入 {upload.filename}", source="import")
                    session.commit()
                    summary = f"{result}；变更记录 {changed} 项"
                except RegisterError as error:
                    session.rollback()
                    problems = [str(p) for p in error.problems]
    return render(request, "register/imported.html", {
        "nav": "register", "problems": problems, "summary": summary,
    }, status_code=422 if problems else 200)
