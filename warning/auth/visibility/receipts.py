"""What a reporter may learn of the warnings linked to their report (回执查询)."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_

from warning.db.models import HandlingRecord, RiskWarning


def reporter_progress(
    received_at: datetime, chosen: ColumnElement[bool],
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Return (handling, pending, concluded): what a reporter may learn of a warning linked to
    their report (a query on RiskWarning joined to its HandlingRecord), received at
    `received_at`.

    handling: issued and open, issued since the report came in; pending: open (a proposal,
    or issued before the report); concluded: closed since the report came in. A warning
    linked by the office's own choice (`chosen`: the signal it marked the report a
    duplicate of) counts whenever it was issued or closed: that link is no look-up anyone
    can make by filing a report.
    """
    issued = func.coalesce(HandlingRecord.issued_at, RiskWarning.created_at)
    handling = and_(RiskWarning.is_open.is_(True), RiskWarning.is_proposal.is_(False),
                    or_(chosen, issued >= received_at))
    closed = and_(RiskWarning.is_open.is_(False),
                  or_(chosen, HandlingRecord.closed_at.is_(None),
                      HandlingRecord.closed_at >= received_at))
    return handling, RiskWarning.is_open.is_(True), closed
