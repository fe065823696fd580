"""Which warnings, records, events and rule hits a principal reads: proposals (待研判)
and their 研判 trail stay with the office; a petition's subject is held from departments."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, true

from warning.auth.principal import Principal
from warning.auth.visibility.departments import S, department_clause
from warning.auth.visibility.signals import (
    confidential_channel_ids,
    sees_confidential_signals,
    sees_every_signal,
    visible_signals,
)
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning, RuleHit, Signal
from warning.domain.lifecycle import Action, Role, State
from warning.triage.policy import APART_KINDS

# Notices name their audience and delivery targets: the office follows delivery up.
NOTICE_READERS = (Role.OFFICE, Role.ADMIN)


# A proposal (待研判) is the office's until it issues it: departments, leaders and reviewers
# never learn of it, in any list, count, inbox, search, export or review.
PROPOSAL_READERS = (Role.OFFICE, Role.ADMIN)


# The events written while a warning was a proposal, kept on its trail once it is issued.
TRIAGE_TRAIL = (Action.PROPOSE.value, Action.AMEND.value)


# What an `issue` event's data says of the 研判 behind it: the office's decision or not, and
# why the intake issued a proposal a direct signal joined (records from before 0010c).
# What a 下达 after 研判 records beyond the intake's own 下达 (the deadlines are the record's)
TRIAGE_DATA = ("after_triage", "joined", "receive_due_at", "report_due_at")

PROPOSED_STATE = State.PROPOSED.value

HIDDEN_SUBJECT = "（由纪检部门告知）"

HIDDEN_SUBJECT_KINDS = APART_KINDS  # the subjects a petition's warning also holds apart


def reads_proposals(principal: Principal | None) -> bool:
    """Return whether `principal` may see proposals (待研判) at all (None: the CLI)."""
    return principal is None or principal.role in PROPOSAL_READERS


def reads_signal_decisions(principal: Principal | None) -> bool:
    """Return whether `principal` may read the office's 研判 decisions on signals (不予处理,
    重复信号 and of which signal), as proposals: an audit finding a department reads as
    marked 重复信号 tells it that another report of the matter, a petition say, came in."""
    return reads_proposals(principal)


def proposal_clause(principal: Principal | None) -> ColumnElement[bool]:
    """Return the condition that keeps proposals from those who may not see them."""
    return true() if reads_proposals(principal) else RiskWarning.is_proposal.is_(False)


def visible_warnings(stmt: S, principal: Principal | None) -> S:
    """Keep only the warnings (and their records, events, attachments) `principal` may see."""
    return stmt.where(department_clause(principal, RiskWarning.department_id),
                      proposal_clause(principal))


def proposals_only(stmt: S, principal: Principal | None) -> S:
    """Keep the proposals `principal` may see (none for departments, leaders, reviewers)."""
    return visible_warnings(stmt, principal).where(RiskWarning.is_proposal.is_(True))


def visible_events(stmt: S, principal: Principal | None) -> S:
    """Keep the events of a visible warning's trail `principal` may read (not its 研判 trail).

    The 研判 trail is every event that left the record a proposal: propose and amend, and
    a note (补充说明) with its files written while it was one, which may quote the petition.
    """
    if reads_proposals(principal):
        return stmt
    return stmt.where(HandlingEvent.action.not_in(TRIAGE_TRAIL),
                      HandlingEvent.to_state != PROPOSED_STATE)


def shown_event_start(
    principal: Principal | None, from_state: str, data: dict[str, Any] | None,
) -> tuple[str, dict[str, Any] | None]:
    """Return an event's from-state and data as `principal` may read them: for those who never
    see proposals, the 下达 of a proposal reads like the intake's own 下达."""
    if reads_proposals(principal) or from_state != PROPOSED_STATE:
        return from_state, data
    return "", {key: value for key, value in (data or {}).items() if key not in TRIAGE_DATA}


def shown_raised_at(
    principal: Principal | None, created_at: datetime, issued_at: datetime | None,
) -> datetime:
    """Return when a warning was raised as `principal` may read it.

    A proposal is raised when the petition behind it comes in and issued after 研判: its
    own time would tell those who never see proposals when the petition arrived, and that
    the warning waited. They read it as raised when it was issued.
    """
    if reads_proposals(principal) or issued_at is None:
        return created_at
    return issued_at


def shown_raised_order(principal: Principal | None) -> ColumnElement[datetime]:
    """Return `shown_raised_at` as a column (on a query joining the record), to sort by it:
    a list shown by issue time but sorted by creation would still tell a proposal's wait."""
    if reads_proposals(principal):
        return RiskWarning.created_at
    return func.coalesce(HandlingRecord.issued_at, RiskWarning.created_at)


def reviewed_warnings(principal: Principal | None) -> ColumnElement[bool]:
    """Return the review's condition on warnings: `principal`'s departments, issued only.

    A proposal, issued or not yet, dismissed or merged, is no warning of the quarter for
    anyone, the office included; once issued it counts like any other.
    """
    return and_(department_clause(principal, RiskWarning.department_id),
                RiskWarning.is_proposal.is_(False))


def reviewed_raised_at() -> ColumnElement[datetime]:
    """Return when the review counts a warning as raised (on a query joining its record).

    When it was issued (下达): a proposal is raised when its petition comes in and waits for
    研判, and counted by that time a department reading last quarter's hot risk points or
    repeat subjects would find a warning it was told of this quarter, and learn when the
    petition came in (as `shown_raised_at` keeps from them). The office's figures count the
    same, so a review reads alike for every reader of a department.
    """
    # Every warning the review counts was issued (reviewed_warnings leaves proposals out, and
    # issuing sets issued_at; 0010a backfilled older records), so the record's own column
    # serves: a range on it is read from ix_handling_records_issued, where a coalesce with
    # created_at made SQLite read every warning before the quarter's end (0.9 s -> 2.5 s at
    # 200,000 records, bench/review_bench.py).
    return HandlingRecord.issued_at


def visible_rule_hits(stmt: S, principal: Principal | None) -> S:
    """Keep the rule hits `principal` may count: on a signal they see, and not on a proposal.

    A hit that raised or joined a proposal would tell of it: a reviewer reads the petition,
    and the rule's count rising with no warning on it said that a proposal was waiting (or
    had been dismissed). Such hits count once the proposal is issued.
    """
    if not sees_every_signal(principal):
        # As an IN over the visible signals, not a join: SQLite then reads the department's
        # hits through ix_rule_hits_signal_id instead of every hit (bench/rule_hits_bench.py).
        stmt = stmt.where(RuleHit.signal_id.in_(visible_signals(select(Signal.id), principal)))
    if not reads_proposals(principal):
        proposals = select(RiskWarning.id).where(RiskWarning.is_proposal.is_(True))
        stmt = stmt.where(or_(RuleHit.warning_id.is_(None), RuleHit.warning_id.not_in(proposals)))
    return stmt


def subject_hidden(principal: Principal | None) -> ColumnElement[bool]:
    """Return whether a warning's person or post subject is kept from `principal`.

    Departments see the risk point, the grade and what to do; who a petition named stays
    with the office when the warning was raised by a confidential signal.
    """
    if sees_confidential_signals(principal):
        return false()
    origin = exists().where(and_(
        Signal.id == RiskWarning.signal_id,
        Signal.channel_id.in_(confidential_channel_ids()),
    ))
    return and_(RiskWarning.subject_kind.in_(HIDDEN_SUBJECT_KINDS), origin)


def shown_subject(principal: Principal | None) -> ColumnElement[str]:
    """Return a warning's subject name as `principal` may read it, for SELECT lists."""
    return case((subject_hidden(principal), HIDDEN_SUBJECT), else_=RiskWarning.subject_name)


def reads_notices(principal: Principal | None) -> bool:
    """Return whether `principal` may read notices and their deliveries (None: the CLI)."""
    return principal is None or principal.role in NOTICE_READERS
