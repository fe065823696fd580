"""The signal list as an export table: scoped in the query, confidential text redacted.

Reporters are stored apart (table reporters) and never read here, so no export can carry
one. A handler or leader never gets a confidential channel's signals (`visible_signals`),
nor the columns about them: whether a channel is confidential, and a signal's case
(`sees_cases`), which their signal pages do not show either. A reviewer gets confidential
signals with their text replaced; only the office and admins see it.
"""

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import readable_text, sees_cases, sees_confidential_signals
from warning.domain.enums import SignalStatus
from warning.exports.files import Cell, Table
from warning.exports.limits import check_size, local
from warning.queries.counting import count_of
from warning.queries.signals import signals_query
from warning.services.filter_checks import check_signal_filters
from warning.services.list_filters import SignalFilters

HEADER = (
    "信号编号", "接收时间", "渠道", "保密渠道", "来文编号", "标题", "内容", "涉及部门",
    "涉及人员", "涉及岗位", "涉及金额（元）", "发生时间", "评估状态", "预警数",
    "首件信号编号", "同案件数",
)
CONFIDENTIAL_COLUMNS = ("保密渠道",)
CASE_COLUMNS = ("首件信号编号", "同案件数")
STATUS_LABELS = {SignalStatus.RECEIVED.value: "待评估", SignalStatus.EVALUATED.value: "已评估",
                 SignalStatus.FAILED.value: "评估失败", SignalStatus.DEAD.value: "评估终止"}


def signal_table(
    session: Session, principal: Principal | None, filters: SignalFilters, *, timezone: str
) -> Table:
    """Return the signals `principal` may see as rows, confidential text redacted for them."""
    check_signal_filters(session, filters)
    stmt = signals_query(principal, filters)
    check_size(count_of(session, stmt))
    zone = ZoneInfo(timezone)
    rows: list[list[Cell]] = []
    for signal, channel, department, warnings, case_id, size in session.execute(stmt):
        text = readable_text(principal, confidential=channel.confidential, text=signal.text)
        rows.append([
            signal.id, local(signal.received_at, zone), channel.name,
            "是" if channel.confidential else "否", signal.external_id, signal.title, text,
            department.name if department else None, signal.person, signal.post, signal.amount,
            local(signal.occurred_at, zone), STATUS_LABELS.get(signal.status, signal.status),
            warnings, case_id if size and size > 1 else None,
            size if size and size > 1 else None,
        ])
    hidden = (() if sees_confidential_signals(principal) else CONFIDENTIAL_COLUMNS) + (
        () if sees_cases(principal) else CASE_COLUMNS)
    return _without(Table("信号", HEADER, rows), hidden)


def _without(table: Table, columns: tuple[str, ...]) -> Table:
    """Return the table without the named columns."""
    if not columns:
        return table
    keep = [i for i, title in enumerate(table.header) if title not in columns]
    return Table(table.title, [table.header[i] for i in keep],
                 [[row[i] for i in keep] for row in table.rows])
