"""Who sees what, decided once: per entity, the WHERE clauses that keep a principal's rows.

Every read path (pages, API, exports, counts, badges, the review) starts from these finders,
in the style of GitLab's IssuesFinder: a list, its count and its export are built on the
same clause, so a new view cannot forget the rule.

- departments: all for admin, office and reviewer; a handler's own; a leader's supervised.
- warnings, handling records, their events and attachments: the warning's department.
- signals and cases: the signal's department, and a confidential channel's (信访举报) signals
  only for admin, office and reviewer; their text only for admin and office.
- timeline entries (warning_signals): as signals; the hidden ones are counted, not shown.
- rule hits (the rules page's counts): as signals, less the hits on proposals.
- a warning's subject: hidden from departments when the warning came from a confidential
  signal and names a person or post; such a warning holds its subject apart, so no direct
  signal about that person joins it and tells them (`warning.triage.policy.keeps_apart`).
- proposals (待研判 warnings, also once dismissed or merged): office and admin only, with
  their records, events and attachments; the review counts issued warnings only. Once a
  proposal is issued, its 研判 trail (the propose and amend events and the notes written
  while it was a proposal, with their files: the office's comments, and the subject as the
  petition named it) stays with the office; the others' trail starts at 下达, and for them
  the warning was raised when it was issued (`shown_raised_at`).
- the office's 研判 decisions on signals (不予处理, 重复信号): office and admin only, on every
  page and list that shows a signal (`reads_signal_decisions`).
  A signal that asks for 研判 never joins a warning a department sees, nor one issued at
  once a proposal: they hold different keys (`warning.triage.policy`).
- notices: office and admin only (checked by role on the route).
- review figures and counts: department scope, plus the signal rule for signal counts.
- a reporter's receipt lookup (回执查询, no sign-in): only what happened since the report came
  in. A report that joins an open warning or a case the office already handles reads 已受理,
  not 办理中, and one that joins a case closed before it reads 已受理, not 已办结: else anyone
  could file a look-alike report and learn whether others had reported the same matter.

`principal=None` is the command line, which sees everything.
"""

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
)

from warning.auth.principal import Principal
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    RiskWarning,
    RuleHit,
    Signal,
    SupervisedDepartment,
)
from warning.domain.lifecycle import Action, Role, State
from warning.triage.policy import APART_KINDS

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

# A confidential channel's (信访举报) text is for the office alone: reviewers see that the
# signal exists and its particulars, handlers and leaders do not see it at all.
CONFIDENTIAL_TEXT_READERS = (Role.OFFICE, Role.ADMIN)
# Notices name their audience and delivery targets: the office follows delivery up.
NOTICE_READERS = (Role.OFFICE, Role.ADMIN)
# A proposal (待研判) is the office's until it issues it: departments, leaders and reviewers
# never learn of it, in any list, count, inbox, search, export or review.
PROPOSAL_READERS = (Role.OFFICE, Role.ADMIN)
# The events written while a warning was a proposal, kept on its trail once it is issued.
TRIAGE_TRAIL = (Action.PROPOSE.value, Action.AMEND.value)
# What an `issue` event's data says of the 研判 behind it: the office's decision or not, and
# why the intake issued a proposal a direct signal joined (records from before 0010c).
TRIAGE_DATA = ("after_triage", "joined")
PROPOSED_STATE = State.PROPOSED.value
REDACTED_TEXT = "（保密渠道内容，已隐去）"
HIDDEN_SUBJECT = "（由纪检部门告知）"
HIDDEN_SUBJECT_KINDS = APART_KINDS  # the subjects a petition's warning also holds apart


def hidden_signals_note(count: int) -> str:
    """Return the timeline line that stands for `count` confidential signals kept from a user."""
    return f"保密渠道信息 {count} 条（内容由纪检部门掌握）"


def supervised_department_ids(principal: Principal) -> Select[tuple[int]]:
    """Return a subquery of the departments a leader supervises."""
    by_leader = select(Department.id).where(
        Department.leader_id == principal.person_id
        if principal.person_id is not None else false()
    )
    listed = select(SupervisedDepartment.department_id).where(
        SupervisedDepartment.user_id == principal.user_id
    )
    return by_leader.union(listed)  # type: ignore[return-value]


def department_clause(
    principal: Principal | None, column: ColumnElement[int | None]
) -> ColumnElement[bool]:
    """Return the condition on a department column that limits rows to what `principal` sees."""
    if principal is None or principal.reads_all:
        return true()
    if principal.role is Role.HANDLER:
        if principal.department_id is None:
            return false()
        return column == principal.department_id
    if principal.role is Role.LEADER:
        return column.in_(supervised_department_ids(principal))
    return false()


def scope_template(role: Role) -> Principal:
    """Return a principal of `role` whose ids are bind parameters.

    A statement scoped for it can be built once per role and reused, the ids bound at each
    execution with `scope_parameters`: a None id binds NULL, which matches no row, as the
    clause built for the real principal would.
    """
    ids: Any = (bindparam("scope_user"), bindparam("scope_department"),
                bindparam("scope_person"))
    return Principal(user_id=ids[0], name="", role=role, department_id=ids[1],
                     person_id=ids[2])


def scope_parameters(principal: Principal) -> dict[str, int | None]:
    """Return the values a statement scoped by `scope_template` binds for `principal`."""
    return {"scope_user": principal.user_id, "scope_department": principal.department_id,
            "scope_person": principal.person_id}


def sees_confidential_signals(principal: Principal | None) -> bool:
    """Return whether `principal` may know that a confidential channel's signal exists."""
    return principal is None or principal.reads_all


def sees_cases(principal: Principal | None) -> bool:
    """Return whether `principal` may see near-duplicate cases (重复信访): their list, and a
    signal's case and case size in an export. Only confidential channels' signals are
    linked into cases, so the readers of those signals."""
    return sees_confidential_signals(principal)


def sees_every_signal(principal: Principal | None) -> bool:
    """Return whether no signal is kept from `principal` (no department or channel limit)."""
    return principal is None or principal.reads_all


def confidential_channel_ids() -> Select[tuple[int]]:
    """Return a subquery of the confidential channels' ids."""
    return select(Channel.id).where(Channel.confidential.is_(True))


def visible_departments(stmt: S, principal: Principal | None) -> S:
    """Keep the departments `principal` may see (filters, dashboard rows)."""
    return stmt.where(department_clause(principal, Department.id))


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


def visible_signals(stmt: S, principal: Principal | None, signal: Any = Signal) -> S:
    """Keep the signals of `principal`'s departments; confidential channels only for readers-all.

    `signal` may be an alias of Signal, for queries that read signals twice.
    """
    stmt = stmt.where(department_clause(principal, signal.department_id))
    if not sees_confidential_signals(principal):
        stmt = stmt.where(signal.channel_id.not_in(confidential_channel_ids()))
    return stmt


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


def timeline_hides(principal: Principal | None, signal: Any = Signal) -> ColumnElement[bool]:
    """Return the condition that a timeline entry's signal is kept from `principal`."""
    if sees_confidential_signals(principal):
        return false()
    return signal.channel_id.in_(confidential_channel_ids())


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


def visible_timeline(stmt: S, principal: Principal | None) -> S:
    """Keep the timeline entries (WarningSignal joined to Signal) `principal` may read."""
    return stmt.where(~timeline_hides(principal))


def reads_notices(principal: Principal | None) -> bool:
    """Return whether `principal` may read notices and their deliveries (None: the CLI)."""
    return principal is None or principal.role in NOTICE_READERS


def reads_confidential_text(principal: Principal | None) -> bool:
    """Return whether `principal` may read a confidential signal's text (None: the CLI)."""
    return principal is None or principal.role in CONFIDENTIAL_TEXT_READERS


def readable_text(principal: Principal | None, *, confidential: bool, text: str) -> str:
    """Return a signal's text as `principal` may read it, redacted on a confidential channel."""
    return text if not confidential or reads_confidential_text(principal) else REDACTED_TEXT


def reporter_progress(
    received_at: datetime, chosen: ColumnElement[bool],
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Return (handling, pending, concluded): what a reporter may learn of a warning linked to
    their report (a query on RiskWarning joined to its HandlingRecord), received at
    `received_at`.

    handling: issued and open, issued since the report came in; pending: open (a proposal,
    or issued before the report); concluded: closed since the report came in. A warning
    linked by the office's own choice (`chosen`: the signal it marked the report a
    duplicate of) counts whenever it was issued or closed: that link is no look-up anyone
    can make by filing a report.
    """
    issued = func.coalesce(HandlingRecord.issued_at, RiskWarning.created_at)
    handling = and_(RiskWarning.is_open.is_(True), RiskWarning.is_proposal.is_(False),
                    or_(chosen, issued >= received_at))
    closed = and_(RiskWarning.is_open.is_(False),
                  or_(chosen, HandlingRecord.closed_at.is_(None),
                      HandlingRecord.closed_at >= received_at))
    return handling, RiskWarning.is_open.is_(True), closed
