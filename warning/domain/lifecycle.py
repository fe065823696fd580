"""The handling-record lifecycle as one table: (state, action) -> transition."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """Where a handling record is (处置状态)."""

    PROPOSED = "proposed"  # 待研判: the office judges it before any department is told
    ISSUED = "issued"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"  # a proposal merged into another open warning
    DISMISSED = "dismissed"  # a proposal the office decided not to issue

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (State.CLOSED, State.WITHDRAWN, State.MERGED, State.DISMISSED)


STATE_LABELS: dict[State, str] = {
    State.PROPOSED: "待研判",
    State.ISSUED: "已下达",
    State.RECEIVED: "已签收",
    State.IN_PROGRESS: "整改中",
    State.REPORTED: "已上报",
    State.CLOSED: "已办结",
    State.WITHDRAWN: "已撤销",
    State.MERGED: "已合并",
    State.DISMISSED: "不予下达",
}
OPEN_STATES: tuple[State, ...] = tuple(s for s in State if s.is_open)
# Open and known to the department: every open state but a proposal.
ISSUED_OPEN_STATES: tuple[State, ...] = tuple(s for s in OPEN_STATES if s is not State.PROPOSED)


class Action(StrEnum):
    """What a person (or the system) does to a record."""

    ISSUE = "issue"
    RECEIVE = "receive"
    ASSIGN = "assign"
    REPORT = "report"
    ACCEPT = "accept"
    RETURN = "return"
    WITHDRAW = "withdraw"
    NOTE = "note"
    URGE = "urge"
    # 研判: the office's decisions on a proposal (their own forms and routes, see warning.triage).
    AMEND = "amend"
    MERGE = "merge"
    DISMISS = "dismiss"
    # System events: recorded on the trail, never chosen by a person.
    REMIND = "remind"
    ESCALATE = "escalate"
    REGRADE = "regrade"
    PROPOSE = "propose"
    ABSORB = "absorb"  # on the warning a proposal was merged into

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.ISSUE: "下达",
    Action.RECEIVE: "签收",
    Action.ASSIGN: "责任到人",
    Action.REPORT: "整改情况上报",
    Action.ACCEPT: "评估通过并办结",
    Action.RETURN: "退回",
    Action.WITHDRAW: "撤销",
    Action.NOTE: "补充说明",
    Action.URGE: "督办",
    Action.REMIND: "到期提醒",
    Action.ESCALATE: "逾期升级",
    Action.REGRADE: "重复出现，处置措施升级",
    Action.AMEND: "研判修改",
    Action.MERGE: "合并到已有预警",
    Action.DISMISS: "不予下达",
    Action.PROPOSE: "生成待研判预警",
    # Read by the department of the target: it names the signals that joined, never the
    # proposal (待研判) or the office's 研判 they came through.
    Action.ABSORB: "同一风险点信号并入",
}
# Taken through warning.triage (or by the system), never through the generic action form.
TRIAGE_ACTIONS = frozenset({Action.AMEND, Action.MERGE, Action.DISMISS})


class Role(StrEnum):
    """What a user may do (角色)."""

    ADMIN = "admin"
    OFFICE = "office"
    HANDLER = "handler"
    LEADER = "leader"
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return {
            "admin": "系统管理员", "office": "防控办", "handler": "部门经办人",
            "leader": "分管领导", "reviewer": "监督检查",
        }[self.value]


@dataclass(frozen=True)
class Transition:
    """One row of the table: where the action leads, who may take it, what it needs."""

    to: State
    roles: frozenset[Role]
    required: tuple[str, ...] = ()


DEPARTMENT = frozenset({Role.HANDLER})
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
EVERYONE_WHO_ACTS = DEPARTMENT | OFFICE
# 督办: the supervising leader (and the office) press a department on a record it still owes.
SUPERVISORS = frozenset({Role.LEADER}) | OFFICE
WAITING_ON_DEPARTMENT = (State.ISSUED, State.RECEIVED, State.IN_PROGRESS)

TRANSITIONS: Mapping[tuple[State, Action], Transition] = {
    (State.ISSUED, Action.RECEIVE): Transition(State.RECEIVED, DEPARTMENT),
    (State.RECEIVED, Action.ASSIGN): Transition(
        State.IN_PROGRESS, DEPARTMENT, ("responsible_person",)
    ),
    (State.IN_PROGRESS, Action.ASSIGN): Transition(
        State.IN_PROGRESS, DEPARTMENT, ("responsible_person",)
    ),
    (State.IN_PROGRESS, Action.REPORT): Transition(State.REPORTED, DEPARTMENT, ("comment",)),
    (State.REPORTED, Action.ACCEPT): Transition(State.CLOSED, OFFICE),
    (State.REPORTED, Action.RETURN): Transition(State.IN_PROGRESS, OFFICE, ("comment",)),
    (State.PROPOSED, Action.ISSUE): Transition(State.ISSUED, OFFICE),
    (State.PROPOSED, Action.AMEND): Transition(State.PROPOSED, OFFICE),
    (State.PROPOSED, Action.MERGE): Transition(State.MERGED, OFFICE),
    (State.PROPOSED, Action.DISMISS): Transition(State.DISMISSED, OFFICE, ("comment",)),
    (State.PROPOSED, Action.NOTE): Transition(State.PROPOSED, OFFICE, ("comment",)),
    **{
        (state, Action.WITHDRAW): Transition(State.WITHDRAWN, OFFICE, ("comment",))
        for state in ISSUED_OPEN_STATES
    },
    **{
        (state, Action.NOTE): Transition(state, EVERYONE_WHO_ACTS, ("comment",))
        for state in ISSUED_OPEN_STATES
    },
    **{
        (state, Action.URGE): Transition(state, SUPERVISORS, ("comment",))
        for state in WAITING_ON_DEPARTMENT
    },
}

FIELD_LABELS = {"comment": "说明/理由", "responsible_person": "责任人"}


class DomainError(Exception):
    """A refused request, with a stable code and a Chinese and an English message."""

    code = "domain_error"

    def __init__(self, message: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.details = details


class UnknownAction(DomainError):
    code = "unknown_action"


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class RoleNotAllowed(DomainError):
    code = "role_not_allowed"


class MissingField(DomainError):
    code = "missing_field"


def parse_action(value: str) -> Action:
    """Return the action named `value`, refusing system-only and unknown names."""
    try:
        action = Action(value)
    except ValueError:
        raise UnknownAction(f"未知的操作 “{value}”", f"unknown action {value!r}") from None
    if action in TRIAGE_ACTIONS:
        raise UnknownAction(
            f"操作 “{action.label}” 请在预警的“研判”中办理",
            f"action {value!r} is taken through the triage form or route")
    if action in (Action.ISSUE, Action.REMIND, Action.ESCALATE, Action.PROPOSE, Action.ABSORB):
        raise UnknownAction(
            f"操作 “{action.label}” 由系统执行", f"action {value!r} is taken by the system only"
        )
    return action


def actions_for(state: State | str, role: Role) -> list[tuple[Action, Transition]]:
    """Return the actions `role` may take in `state`, in the table's order."""
    state = State(state)
    return [(action, row) for (at, action), row in TRANSITIONS.items()
            if at is state and role in row.roles]


def transition(
    state: State | str, action: Action, role: Role, fields: Mapping[str, object]
) -> Transition:
    """Return the transition for `action` in `state` by `role`, or raise why it is refused."""
    state = State(state)
    row = TRANSITIONS.get((state, action))
    if row is None:
        raise TransitionNotAllowed(
            f"处置记录处于“{state.label}”状态，不能执行“{action.label}”",
            f"action {action.value!r} is not allowed in state {state.value!r}",
            state=state.value, action=action.value,
        )
    if role not in row.roles:
        raise RoleNotAllowed(
            f"角色“{role.label}”不能执行“{action.label}”",
            f"role {role.value!r} may not {action.value!r}",
            state=state.value, action=action.value,
        )
    for name in row.required:
        value = fields.get(name)
        if not (isinstance(value, str) and value.strip()):
            raise MissingField(
                f"“{action.label}”必须填写{FIELD_LABELS.get(name, name)}",
                f"{action.value!r} requires {name!r}", field=name,
            )
    return row
