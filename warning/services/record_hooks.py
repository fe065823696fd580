"""Connect intake to the handling-record side: first event, deadlines, notices, regrades."""

from sqlalchemy.orm import Session

from warning.db.models import HandlingRecord, RiskWarning
from warning.domain.grading import Grade
from warning.handling.events import append_event
from warning.handling.records import open_record


class RecordHooksImpl:
    """Write the handling record's events when intake raises or regrades a warning."""

    actor = "system:intake"

    def opened(
        self, session: Session, *, warning: RiskWarning, record: HandlingRecord, grade: Grade
    ) -> None:
        """Set deadlines from the grade, write the `issue` event and the department's notice."""
        open_record(
            session,
            warning=warning,
            record=record,
            actor=self.actor,
            receive_days=grade.receive_days,
            report_days=grade.report_days,
            day_kind=grade.day_kind,
        )

    def regraded(
        self, session: Session, *, warning: RiskWarning, previous: str, grade: Grade
    ) -> None:
        """Record on the warning's trail that repetition raised its response."""
        record = warning.record
        session.flush()
        append_event(
            session,
            record_id=record.id,
            action="regrade",
            from_state=record.state,
            to_state=record.state,
            actor=self.actor,
            comment=f"重复出现第{warning.repeat_count}次，处置措施升级",
            data={
                "from": previous,
                "to": grade.response.value,
                "repeat_count": warning.repeat_count,
            },
        )


def default_hooks() -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl()
