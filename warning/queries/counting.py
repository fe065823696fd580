"""How many rows a query yields: the one count every list, badge and export size uses."""

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def count_of(session: Session, stmt: Select[Any]) -> int:
    """Return how many rows `stmt` yields."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def count_up_to(session: Session, stmt: Select[Any], cap: int) -> int:
    """Return how many rows `stmt` yields, counting no further than `cap` + 1.

    A list's pager needs to know whether there is another page, not that 99,000 signals
    match: counting them all cost a page 100–250 ms at 100,000 signals (bench/page_bench.py).
    """
    bounded = stmt.order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(bounded)) or 0
