"""The warning list as an export table, scoped to the caller's departments in the query."""

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.enums import Level, Response
from warning.domain.lifecycle import State
from warning.exports.files import Cell, Table
from warning.exports.limits import check_size, local
from warning.queries.counting import count_of
from warning.queries.warnings import filtered_warnings, subject_shown
from warning.services.filter_checks import check_warning_filters
from warning.services.list_filters import WarningFilters

HEADER = (
    "预警编号", "下达时间", "风险点编号", "风险点", "风险等级", "责任部门", "对象类型", "对象",
    "处置措施", "严重程度", "重复次数", "处置状态", "是否逾期", "责任人", "签收期限", "上报期限",
    "办结时间", "规则", "规则版本",
)
SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}


def warning_table(
    session: Session, principal: Principal | None, filters: WarningFilters, *, timezone: str
) -> Table:
    """Return the warnings `principal` may see as rows with Chinese headers and labels."""
    check_warning_filters(session, filters)
    stmt = filtered_warnings(principal, filters)
    check_size(count_of(session, stmt))
    zone = ZoneInfo(timezone)
    rows = [_row(w, p, d, r, hidden, zone) for w, p, d, r, hidden in session.execute(stmt)]
    return Table("预警", HEADER, rows)


def _row(
    warning: RiskWarning, point: RiskPoint, department: Department | None,
    record: HandlingRecord, hidden: bool, zone: ZoneInfo,
) -> list[Cell]:
    return [
        warning.id, local(record.issued_at, zone), point.code, point.name,
        _label(Level, point.level), department.name if department else None,
        SUBJECT_KINDS.get(warning.subject_kind, warning.subject_kind),
        subject_shown(warning, department, hidden),
        _label(Response, warning.response), warning.severity, warning.repeat_count,
        _label(State, record.state), "是" if record.overdue_level > 0 else "否",
        record.responsible_person, local(record.receive_due_at, zone),
        local(record.report_due_at, zone), local(record.closed_at, zone),
        warning.rule_id, warning.rule_version,
    ]


def _label(kind: type[Level] | type[Response] | type[State], value: str) -> str:
    try:
        return kind(value).label
    except ValueError:
        return value

