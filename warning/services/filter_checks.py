"""Refuse a list filter that names nothing: an unknown state, response, status or code.

An export (API or command line) built with `state=bogus` matched no row and handed over an
empty file, as if there were nothing to export. Every export checks its filters here
first, and a wrong one is refused naming the field and what it may be.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Channel, Department, RiskPoint
from warning.domain.enums import Response, SignalStatus
from warning.domain.lifecycle import DomainError, State
from warning.services.day_range import BadDate, day_range
from warning.services.list_filters import SignalFilters, WarningFilters

# the warning list's two states that are not one state (WarningFilters.apply)
STATE_GROUPS = ("open", "overdue")


class InvalidFilter(DomainError):
    """A filter's value is not one the list knows."""

    code = "invalid_filter"


def check_warning_filters(session: Session, filters: WarningFilters) -> None:
    """Raise InvalidFilter for the first of the warning filters that names nothing."""
    _one_of("state", "处置状态", filters.state, [*STATE_GROUPS, *(s.value for s in State)])
    _one_of("response", "处置措施", filters.response, [r.value for r in Response])
    _exists(session, "department", "部门", filters.department, Department.code)
    _exists(session, "risk_point", "风险点", filters.risk_point, RiskPoint.code)
    _dates(filters.since, filters.until, filters.zone)


def check_signal_filters(session: Session, filters: SignalFilters) -> None:
    """Raise InvalidFilter for the first of the signal filters that names nothing."""
    _one_of("status", "评估状态", filters.status, [s.value for s in SignalStatus])
    _exists(session, "channel", "渠道", filters.channel, Channel.code)
    _exists(session, "department", "部门", filters.department, Department.code)
    _dates(filters.since, filters.until, filters.zone)


def _dates(since: str, until: str, zone: str) -> None:
    try:
        day_range(since, until, zone)
    except BadDate as bad:
        raise InvalidFilter(bad.message, bad.message_en, field=bad.field) from None


def _one_of(field: str, label: str, value: str, allowed: Iterable[str]) -> None:
    choices = list(allowed)
    if value and value not in choices:
        raise InvalidFilter(
            f"{label}（{field}）“{value}”无效，可选：{'、'.join(choices)}",
            f"{field}: unknown value {value!r}; one of {', '.join(choices)}", field=field)


def _exists(session: Session, field: str, label: str, value: str, column: Any) -> None:
    if value and session.scalar(select(column).where(column == value).limit(1)) is None:
        raise InvalidFilter(f"{label}（{field}）“{value}”不存在",
                            f"{field}: no such code {value!r}", field=field)
