"""Page rendering: the Jinja2 environment, its filters and labels, paging and the principal."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.domain.enums import Level, OwnerLevel, Response, RuleMode, SignalStatus
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import Action, DomainError, State
from warning.domain.sizes import file_size
from warning.queries.counting import count_up_to
from warning.web.deps import SessionDep
from warning.web.pages.bidi import visible_bidi
from warning.web.pages.csrf import issue_token, set_cookie
from warning.web.security import SESSION_COOKIE, look_up

TEMPLATES = Path(__file__).parents[1] / "templates"
# Past the last page a list shows its last page; this only keeps the offset a small number.
MAX_PAGE = 1_000_000
PER_PAGE = 50
# Lists count at most this many rows (200 pages); past it the pager says "10000+".
COUNT_CAP = 10_000

CHANNEL_KINDS = {"manual": "人工登记", "api": "系统接口", "file": "文件导入", "feed": "舆情订阅"}
SIGNAL_STATUS = {
    # Rule evaluation, not 研判: 待研判 is a proposal awaiting the office (State.PROPOSED).
    SignalStatus.RECEIVED.value: "待评估",
    SignalStatus.EVALUATED.value: "已评估",
    SignalStatus.FAILED.value: "评估失败",
    SignalStatus.DEAD.value: "评估终止",
}
HEALTH = {"ok": "正常", "failing": "异常", "gone": "源已失效", "disabled": "已停用",
          "idle": "未运行"}
RULE_MODES = {RuleMode.ACTIVE.value: "启用", RuleMode.MONITOR.value: "观察",
              RuleMode.OFF.value: "停用"}
SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}
LABELS: dict[str, dict[str, str]] = {
    "level": {lv.value: lv.label for lv in Level},
    "response": {r.value: r.label for r in Response},
    "state": {s.value: s.label for s in State},
    "action": {a.value: a.label for a in Action},
    "owner_level": {o.value: o.label for o in OwnerLevel},
    "channel_kind": CHANNEL_KINDS,
    "signal_status": SIGNAL_STATUS,
    "health": HEALTH,
    "rule_mode": RULE_MODES,
    "subject_kind": SUBJECT_KINDS,
    "disposition": {"dismissed": "不予处理", "duplicate": "重复信号"},
}


class PageNotFound(Exception):
    """A page asked for something that does not exist (or that the caller may not see)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class LoginRequired(Exception):
    """A page was asked for without a valid session.

    With no session cookie the handler redirects to /login; with a refused one (signed
    out, expired, idle, user disabled) it answers 401 with the sign-in form and the reason.
    """

    def __init__(self, reason: str = "", reason_en: str = "") -> None:
        super().__init__(reason_en or reason)
        self.reason = reason
        self.reason_en = reason_en


def page_principal(request: Request, session: SessionDep) -> Principal:
    """Return the signed-in user, or send the browser to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE, "")
    idle = timedelta(minutes=request.app.state.runtime.settings.session_idle_minutes)
    checked = look_up(request.app.state.runtime.sessions, token, idle)
    principal = checked.principal
    if principal is None:
        refused = checked.refused if token else None
        raise LoginRequired(*((refused.message, refused.message_en) if refused else ()))
    request.state.principal = principal
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


@dataclass(frozen=True)
class Pager:
    """One page of a list: which page, how many per page, how many in all.

    `more` says the count stopped at `total` (COUNT_CAP) and more rows match.
    """

    page: int
    per_page: int
    total: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.per_page)


def page_number(raw: str | None) -> int:
    """Read a ?page= value leniently: anything not a positive integer is page 1."""
    return parse_int(raw, high=MAX_PAGE) or 1


def paginate(
    session: Session, stmt: Select[Any], page: int, per_page: int = PER_PAGE,
    counted: Select[Any] | None = None,
) -> tuple[list[Any], Pager]:
    """Return one page of rows of `stmt` and its pager (the page is clamped to the last).

    `counted` is a leaner statement yielding as many rows as `stmt` (the same filters without
    the joins and columns only the page shows); the count stops past COUNT_CAP rows.
    """
    total = count_up_to(session, stmt if counted is None else counted, COUNT_CAP)
    more = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pager = Pager(1, per_page, total)
    pager = Pager(min(max(1, page), pager.pages), per_page, total, more)
    rows = list(session.execute(stmt.limit(per_page).offset(pager.offset)).all())
    return rows, pager


def empty_pager() -> Pager:
    """Return the pager of a list with no rows."""
    return Pager(1, PER_PAGE, 0)


def filter_problem(check: Callable[[], None]) -> str:
    """Run a list's filter check; return what is wrong with the filters, or ""."""
    try:
        check()
    except DomainError as error:
        return error.message
    return ""


def clean(value: str | None) -> str:
    """Return a filter value stripped, empty when missing."""
    return (value or "").strip()


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", tz: str = "Asia/Shanghai") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(ZoneInfo(tz)).strftime(fmt)
    except OverflowError:  # a stored time at the calendar's edge has no local time: show UTC
        return value.astimezone(UTC).strftime(fmt) + " UTC"


def _money(value: Decimal | float | None) -> str:
    return "" if value is None else f"¥{value:,.2f}"


def _label(value: str | None, kind: str) -> str:
    if value is None:
        return ""
    return LABELS.get(kind, {}).get(value, value)


def _options(items: list[Any], key: str = "code", text: str = "name") -> list[tuple[str, str]]:
    return [(getattr(i, key), getattr(i, text)) for i in items]


def build_templates(timezone: str) -> Jinja2Templates:
    """Build the page templates with filters that show UTC times in `timezone`."""
    templates = Jinja2Templates(directory=TEMPLATES)
    env = templates.env
    env.finalize = visible_bidi  # before any template is compiled: each {{ }} passes it
    env.filters["local"] = lambda v, fmt="%Y-%m-%d %H:%M": _local(v, fmt, timezone)
    env.filters["money"] = _money
    env.filters["file_size"] = file_size
    env.filters["label"] = _label
    env.filters["options"] = _options
    env.globals["LABELS"] = LABELS
    env.globals["now_local"] = lambda: _local(datetime.now(UTC), "%Y-%m-%d %H:%M", timezone)
    return templates


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page template with the request, the CSRF token and the active nav item."""
    templates: Jinja2Templates = request.app.state.page_templates
    token = issue_token(request)
    principal = getattr(request.state, "principal", None)
    response = templates.TemplateResponse(
        request, name, {"csrf_token": token, "principal": principal, **context},
        status_code=status_code,
    )
    set_cookie(response, token)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
