"""How many rows a query yields: the one count every list, badge and export size uses."""

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def count_of(session: Session, stmt: Select[Any]) -> int:
    """Return how many rows `stmt` yields."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
