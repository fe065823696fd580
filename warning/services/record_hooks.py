"""Connect intake to the handling-record side: records, first events, notices, regrades."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import HandlingRecord
from warning.domain.grading import Grade
from warning.domain.lifecycle import Action
from warning.handling.events import append_event
from warning.handling.opening import Opening, open_records


class RecordHooksImpl:
    """Write the handling records' events when intake raises or regrades warnings."""

    actor = "system:intake"

    def opened(self, session: Session, *, openings: Sequence[Opening], now: datetime) -> None:
        """Open each new warning's record: deadlines, `issue` event, the department's notice."""
        open_records(session, openings, actor=self.actor, now=now)

    def regraded(
        self, session: Session, *, warning_id: int, repeat_count: int, previous: str,
        grade: Grade,
    ) -> None:
        """Record on the warning's trail that repetition raised its response."""
        record_id, state = session.execute(
            select(HandlingRecord.id, HandlingRecord.state)
            .where(HandlingRecord.warning_id == warning_id)
        ).one()
        append_event(
            session,
            record_id=record_id,
            action=Action.REGRADE.value,
            from_state=state,
            to_state=state,
            actor=self.actor,
            comment=f"重复出现第{repeat_count}次，处置措施升级",
            data={
                "from": previous,
                "to": grade.response.value,
                "repeat_count": repeat_count,
            },
        )


def default_hooks() -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl()
