"""The ledger (台账) of a quarter: one row per handling record the quarter touched.

A record belongs to the quarter when it was issued (下达) in it, or it was closed,
withdrawn, returned or escalated in it, or it was still waiting on its department at the
quarter's end. Rows carry the risk point and subject, never a signal's title or text: the
ledger is handed on, and a petition's words stay with the office. A row is named by its
warning's number, not its record's: records are numbered in sequence, a proposal's when
its petition comes in, so their gaps would count the 待研判 (docs/visibility.md).
"""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import shown_subject
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.calendar import SHANGHAI
from warning.domain.enums import LEVEL_ALIASES, Response
from warning.domain.lifecycle import State
from warning.exports.files import Cell, Table
from warning.exports.limits import local
from warning.review.outcomes import touched_ids
from warning.review.period import Period, warning_scope

HEADER = ("预警编号", "下达时间", "部门", "风险点编号", "风险点", "风险等级",
          "处置措施", "对象", "状态", "签收期限", "上报期限", "办结时间", "责任人", "重复次数")
STATES = {s.value: s.label for s in State}
RESPONSES = {r.value: r.label for r in Response}


def ledger_rows(
    session: Session, *, principal: Principal | None, period: Period, tz: ZoneInfo = SHANGHAI,
    batch: int = 2000,
) -> Iterator[tuple[Cell, ...]]:
    """Yield the quarter's records, first issued first, streamed in batches; 下达时间 is
    the record's issue (a proposal is issued after its 研判, later than it was raised)."""
    stmt = (
        select(RiskWarning.id, HandlingRecord.issued_at, Department.name,
               RiskPoint.code, RiskPoint.name, RiskPoint.level, RiskWarning.response,
               shown_subject(principal), HandlingRecord.state, HandlingRecord.receive_due_at,
               HandlingRecord.report_due_at, HandlingRecord.closed_at,
               HandlingRecord.responsible_person, RiskWarning.repeat_count)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .where(HandlingRecord.id.in_(touched_ids(period, issued=True)),
               warning_scope(principal))
        .order_by(HandlingRecord.issued_at, HandlingRecord.warning_id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        level = LEVEL_ALIASES.get(row[5])
        yield (row[0], local(row[1], tz), row[2] or "未指定部门", row[3], row[4],
               level.label if level else row[5], RESPONSES.get(row[6], row[6]), row[7],
               STATES.get(row[8], row[8]), local(row[9], tz), local(row[10], tz),
               local(row[11], tz), row[12], row[13])


def ledger_table(
    session: Session, *, principal: Principal | None, period: Period, tz: ZoneInfo = SHANGHAI,
) -> Table:
    """Return the ledger as an export table (rows streamed when the workbook is written)."""
    return Table("台账", HEADER, _Rows(session, principal, period, tz))


class _Rows:
    """The ledger's rows, read from the database as the workbook writer iterates them."""

    def __init__(self, session: Session, principal: Principal | None, period: Period,
                 tz: ZoneInfo) -> None:
        self._args = (session, principal, period, tz)

    def __iter__(self) -> Iterator[tuple[Cell, ...]]:
        session, principal, period, tz = self._args
        return ledger_rows(session, principal=principal, period=period, tz=tz)
