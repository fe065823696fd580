"""规则: the rules in force, their load status and hits; office and admin reload and test them.

A reload here is the service's own path (`RuleService.load`): the files are checked whole,
a refused reload keeps the rules in force, and an accepted one replaces the engine child.
It runs at once on this instance and is recorded (`rule_reloads`), so every other
instance's watcher reloads at its next check; the page names the instance it reloaded and
says how the others follow. Each instance's own result is in its log and /api/rules/status.
"""

import os
import socket
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.domain.lifecycle import Role
from warning.queries.catalog import risk_point_facts
from warning.queries.rule_hits import recent_reloads, rule_hit_counts
from warning.rules.checking import run_fixtures
from warning.runtime import Runtime
from warning.services.rule_service import shown_rule_file
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.csrf import check_form
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()
EDITORS = (Role.OFFICE, Role.ADMIN)
MAX_RULE_ID = 100


def instance_name() -> str:
    """Name this instance as the page shows it: host and process id."""
    return f"{socket.gethostname()} 进程 {os.getpid()}"


def list_rules(
    session: Session, runtime: Runtime, principal: Principal | None
) -> list[dict[str, Any]]:
    """Return the rules in force with their risk point, hit count and last hit."""
    points = risk_point_facts(session)
    hits = rule_hit_counts(session, principal)
    rules = sorted(runtime.rules.describe(), key=lambda r: (str(r["file"]), str(r["id"])))
    return [
        rule | {"point": points.get(str(rule["risk_point"])),
                "hits": hits.get(str(rule["id"]))}
        for rule in rules
    ]


def _located(items: list[Any], rules_dir: Path) -> list[dict[str, Any]]:
    """Return problems or fixture cases as dicts, each file shown relative to the rules."""
    return [vars(item) | {"file": shown_rule_file(Path(item.file), rules_dir)} for item in items]


def _status(runtime: Runtime) -> dict[str, Any]:
    service = runtime.rules
    in_force = service.loaded()
    return {
        "loaded_at": in_force.loaded_at if in_force else None,
        "count": len(in_force.rulebook.rules) if in_force else 0,
        "files": [
            (shown_rule_file(Path(f), runtime.settings.rules_dir), version)
            for f, version in sorted(in_force.rulebook.versions.items())
        ] if in_force else [],
        "attempted_at": service.attempted_at,
        "problems": _located(service.problems, runtime.settings.rules_dir),
        "instance": instance_name(),
        "watch_seconds": runtime.settings.rules_check_seconds,
        "book": service.book_digest(),
        "other_books": service.other_books(),
    }


def _page(request: Request, session: Session, runtime: Runtime, principal: Principal, *,
          status_code: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "rules/list.html", {
        "nav": "rules", "rules": list_rules(session, runtime, principal),
        "status": _status(runtime), "may_edit": principal.role in EDITORS,
        "reloaded": None, "errors": {}, **extra,
        "reloads": recent_reloads(session) if principal.role in EDITORS else [],
    }, status_code=status_code)


@router.get("/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """List the rules in force with their load status and hits."""
    return _page(request, session, runtime, principal)


@router.post("/rules/reload", response_class=HTMLResponse)
async def reload_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """Reload this instance's rule files; a refused reload keeps the rules in force."""
    if principal.role not in EDITORS:
        raise PageNotFound("页面")
    check_form(request, await request.form())
    problems = runtime.rules.request_reload(principal.actor)
    return _page(request, session, runtime, principal, reloaded="refused" if problems else "ok",
                 status_code=422 if problems else 200)


@router.post("/rules/fixtures", response_class=HTMLResponse)
async def fixtures_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """Run the fixture cases that name one rule against the rules in force."""
    if principal.role not in EDITORS:
        raise PageNotFound("页面")
    form = await request.form()
    check_form(request, form)
    raw = form.get("rule_id")
    rule_id = raw.strip() if isinstance(raw, str) else ""
    in_force = runtime.rules.loaded()
    error = ""
    if not rule_id:
        error = "请选择要运行用例的规则"
    elif len(rule_id) > MAX_RULE_ID:
        error = f"规则编号不能超过 {MAX_RULE_ID} 个字符"
    elif in_force is None:
        error = "尚未载入规则，无法运行用例"
    elif rule_id not in in_force.rulebook.by_id:
        error = "在用规则中没有这条规则"
    if error or in_force is None:
        return _page(request, session, runtime, principal, errors={"rule_id": error},
                     status_code=422)
    rule = in_force.rulebook.by_id[rule_id]
    report = run_fixtures(in_force.rulebook, in_force.evaluator, rule_id=rule_id)
    rules_dir = runtime.settings.rules_dir
    return render(request, "rules/fixtures.html", {
        "nav": "rules", "rule": rule, "problems": _located(report.problems, rules_dir),
        "cases": [case | {"passed": passed} for case, passed in zip(
            _located(report.cases, rules_dir), (c.passed for c in report.cases), strict=True)],
        "failed": sum(not case.passed for case in report.cases),
    })
