"""Connect intake to the handling-record side: records, first events, notices, regrades."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from warning.domain.grading import Grade
from warning.handling.opening import Opening, open_records, regrade_record


class RecordHooksImpl:
    """Write the handling records' events when intake raises or regrades warnings."""

    actor = "system:intake"

    def opened(self, session: Session, *, openings: Sequence[Opening], now: datetime) -> None:
        """Open each new warning's record: deadlines, `issue` event, the department's notice."""
        open_records(session, openings, actor=self.actor, now=now)

    def regraded(
        self, session: Session, *, warning_id: int, repeat_count: int, previous: str,
        grade: Grade, now: datetime,
    ) -> None:
        """Record that repetition raised the response, and move the record's open deadlines
        to the new response's, counted from now; the event keeps the old and the new."""
        regrade_record(session, warning_id=warning_id, repeat_count=repeat_count,
                       previous=previous, grade=grade, now=now, actor=self.actor)


def default_hooks() -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl()
