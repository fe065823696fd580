"""Connect intake to the handling-record side: records, first events, notices, regrades."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from warning.handling.opening import Opening, open_records
from warning.handling.regrades import Regrading, regrade_records
from warning.triage.policy import DEFAULT_TRIAGE_DAYS
from warning.triage.proposals import open_proposals


class RecordHooksImpl:
    """Write the handling records' events when intake raises or regrades warnings."""

    actor = "system:intake"

    def __init__(self, triage_days: int = DEFAULT_TRIAGE_DAYS) -> None:
        self.triage_days = triage_days

    def opened(self, session: Session, *, openings: Sequence[Opening], now: datetime) -> None:
        """Open each new warning's record: deadlines, `issue` event, the department's notice;
        a proposal (待研判) gets its 研判期限 and `propose` event and no notice."""
        open_records(session, [o for o in openings if not o.proposed], actor=self.actor,
                     now=now)
        open_proposals(session, [o for o in openings if o.proposed], actor=self.actor,
                       now=now, days=self.triage_days)

    def regraded(
        self, session: Session, *, regradings: Sequence[Regrading], now: datetime
    ) -> None:
        """Record that repetition raised the responses, and move the records' open deadlines
        to the new responses', counted from now; each event keeps the old and the new."""
        regrade_records(session, regradings, now=now, actor=self.actor)


def default_hooks(triage_days: int = DEFAULT_TRIAGE_DAYS) -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl(triage_days)
