"""Connect intake to the handling-record side: records, first events, notices, regrades."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import HandlingRecord, RiskWarning
from warning.db.value_list import among
from warning.domain.grading import GradingPolicy
from warning.domain.lifecycle import State
from warning.handling.opening import Opening, open_records
from warning.handling.regrades import Regrading, regrade_records
from warning.triage.decisions import issue_record
from warning.triage.policy import DEFAULT_TRIAGE_DAYS
from warning.triage.proposals import open_proposals

# Why the intake issued a proposal, kept in the `issue` event's data (`joined`) for the
# office: departments read that event as the intake's own 下达 (no comment, no data saying a
# proposal was waiting), since a pending 研判 is the office's (warning.auth.visibility).
JOINED = "直接下达的信号加入了这条待研判预警，随即下达"


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

    def issued(
        self, session: Session, *, warning_ids: Sequence[int], grading: GradingPolicy,
        now: datetime,
    ) -> None:
        """Issue proposals that a signal to be issued at once joined (see
        `warning.services.raising`); one another writer issued or closed meanwhile is left."""
        rows = session.execute(
            select(RiskWarning, HandlingRecord)
            .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
            .where(among(RiskWarning.id, warning_ids)).order_by(RiskWarning.id)
            .with_for_update().execution_options(populate_existing=True))
        for warning, record in rows:
            if record.state == State.PROPOSED.value and warning.department_id is not None:
                issue_record(session, warning, record, actor=self.actor, comment="",
                             grading=grading, now=now, after_triage=False, joined=JOINED)


def default_hooks(triage_days: int = DEFAULT_TRIAGE_DAYS) -> RecordHooksImpl:
    """Return the hooks the service uses."""
    return RecordHooksImpl(triage_days)
