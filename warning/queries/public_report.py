"""What the public report page may read: the departments' names a reporter may choose."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Department


def reportable_departments(session: Session) -> list[tuple[str, str]]:
    """Return (code, name) of every department, the only data the public page lists."""
    return [(code, name) for code, name in session.execute(
        select(Department.code, Department.name).order_by(Department.code))]


def is_department(session: Session, code: str) -> bool:
    """Tell whether a department code exists."""
    return session.scalar(select(Department.id).where(Department.code == code)) is not None
