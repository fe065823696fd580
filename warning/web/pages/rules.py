"""规则: the rules in force with their mode, file and version."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.queries.catalog import risk_point_facts
from warning.runtime import Runtime
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.render import PagePrincipal, render

router = APIRouter()


def list_rules(
    session: Session, runtime: Runtime, principal: Principal | None
) -> list[dict[str, Any]]:
    """Return the rules in force, each with its risk point's name and level."""
    points = risk_point_facts(session)
    rules = sorted(runtime.rules.describe(), key=lambda r: (str(r["file"]), str(r["id"])))
    return [
        rule | {"point": points.get(str(rule["risk_point"])),
                "short_file": _short(Path(str(rule["file"])), runtime.settings.rules_dir)}
        for rule in rules
    ]


def _short(path: Path, rules_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(rules_dir.resolve()))
    except ValueError:
        return path.name


@router.get("/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """List the rules in force."""
    return render(request, "rules/list.html", {
        "nav": "rules", "rules": list_rules(session, runtime, principal),
    })
