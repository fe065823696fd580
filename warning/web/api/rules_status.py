"""The rules in force in this process: GET /api/rules/status and POST /api/rules/reload."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel

from warning.auth.principal import Principal
from warning.domain.lifecycle import Role
from warning.runtime import Runtime
from warning.web.deps import RuntimeDep
from warning.web.error_docs import ErrorBody
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import current_principal, require_roles

router = SessionRouter(prefix="/api/rules", tags=["catalog"])
OfficeDep = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN))]


class ProblemOut(BaseModel):
    file: str
    line: int
    rule_id: str
    message: str


class OtherBookOut(BaseModel):
    instance: str
    digest: str
    rules: int


class RulesStatusOut(BaseModel):
    rules: int
    loaded_at: datetime | None
    files: dict[str, str]
    problems: list[ProblemOut]
    book: str | None = None  # names the rule book's content, equal on instances that agree
    other_books: list[OtherBookOut] = []  # live instances on this database holding another


def _status(runtime: Runtime) -> RulesStatusOut:
    in_force = runtime.rules.loaded()
    return RulesStatusOut(
        rules=len(in_force.rulebook.rules) if in_force else 0,
        loaded_at=in_force.loaded_at if in_force else None,
        files=dict(in_force.rulebook.versions) if in_force else {},
        problems=[ProblemOut(**vars(p)) for p in runtime.rules.problems],
        book=runtime.rules.book_digest(),
        other_books=[OtherBookOut(**vars(o)) for o in runtime.rules.other_books()],
    )


@router.get("/status", response_model=RulesStatusOut, dependencies=[Depends(current_principal)])
def rules_status(runtime: RuntimeDep) -> RulesStatusOut:
    """Show when the rules in force were loaded, each file's version, and a refused reload."""
    return _status(runtime)


@router.post(
    "/reload", response_model=RulesStatusOut,
    responses={422: {"model": ErrorBody,
                     "description": "rule files refused; the rules in force stay"}},
)
def reload_rules(runtime: RuntimeDep, principal: OfficeDep) -> RulesStatusOut:
    """Reload the rule files here now and on every instance at its next watcher check.

    Any problem refuses them all and keeps the rules in force (here; each instance decides
    on its own files and logs its result).
    """
    problems = runtime.rules.request_reload(principal.actor)
    if problems:
        raise ApiError(422, "rules_refused",
                       f"规则文件有 {len(problems)} 处错误，未载入，原有规则继续生效",
                       f"{len(problems)} problem(s) in the rule files; previous rules stay",
                       problems=[str(p) for p in problems[:200]])
    return _status(runtime)
