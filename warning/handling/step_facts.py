"""The step facts a handling record keeps beside its events: first 签收, last 上报, first 升级.

Each is set by the action that writes its event, in the same transaction (`act`, the overdue
scan), so the quarterly review reads three columns of the record instead of aggregating every
record's events. `facts_from_events` is the reading they must always equal (a test checks it
after every kind of transition; migration 0009e backfilled records with it, in SQL).
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, case, literal, or_

from warning.domain.lifecycle import Action

# action -> (the record's column, how a new time combines with the stored one)
STEP_FACTS: dict[Action, tuple[str, Callable[[datetime, datetime], datetime]]] = {
    Action.RECEIVE: ("received_at", min),
    Action.REPORT: ("reported_at", max),
    Action.ESCALATE: ("escalated_at", min),
}
BY_NAME = {action.value: fact for action, fact in STEP_FACTS.items()}
FACT_COLUMNS = tuple(column for column, _ in STEP_FACTS.values())


def fact_change(action: Action, now: datetime, current: datetime | None) -> dict[str, datetime]:
    """Return the column `action` at `now` sets, given its stored value ({}: sets none)."""
    fact = STEP_FACTS.get(action)
    if fact is None:
        return {}
    column, combine = fact
    return {column: now if current is None else combine(current, now)}


def earliest(column: ColumnElement[datetime], now: datetime) -> ColumnElement[datetime]:
    """SQL for min(stored, now) with NULL as unset: the same rule for many records at once."""
    at = literal(now, column.type)  # stored as the column stores times (UTC on SQLite)
    return case((or_(column.is_(None), column > at), at), else_=column)


def facts_from_events(events: Iterable[tuple[str, datetime]]) -> dict[str, datetime | None]:
    """Return the step facts a record's (action, time) events give."""
    facts: dict[str, datetime | None] = dict.fromkeys(FACT_COLUMNS)
    for action, at in events:
        fact = BY_NAME.get(action)
        if fact is not None:
            column, combine = fact
            stored = facts[column]
            facts[column] = at if stored is None else combine(stored, at)
    return facts
