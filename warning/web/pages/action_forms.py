"""The handling actions the signed-in user may take on a record, as forms on the warning page.

Which actions, and which fields each needs, come from the lifecycle table; this module
only adds how each form is worded.
"""

from dataclasses import dataclass
from typing import Any

from warning.auth.numbering import ShownRecord
from warning.auth.principal import Principal
from warning.domain.lifecycle import TRIAGE_ACTIONS, Action, State, actions_for
from warning.handling.measures import MEASURES

ATTACHING = frozenset({Action.REPORT})
# The office evaluates a report (评估) when it accepts or returns it: its opinion is printed
# on the record, and on accepting it records the measure it applies.
EVALUATING = frozenset({Action.ACCEPT, Action.RETURN})
MEASURING = frozenset({Action.ACCEPT})
COMMENT_LABELS = {
    Action.REPORT: "整改情况", Action.RETURN: "评估意见（退回理由）", Action.ACCEPT: "评估意见",
    Action.WITHDRAW: "撤销理由", Action.NOTE: "补充说明", Action.URGE: "督办意见",
}
HINTS = {
    Action.RECEIVE: "确认本部门已收到该预警。",
    Action.ASSIGN: "指定负责整改的责任人（责任到人）。",
    Action.REPORT: "填写整改措施及完成情况，可附整改报告、照片等材料。",
    Action.ACCEPT: "评估整改情况合格，办结该预警。",
    Action.RETURN: "整改不到位，退回部门继续整改；将重新计算上报期限。",
    Action.WITHDRAW: "预警下达有误时撤销，须说明理由。",
    Action.NOTE: "在处置过程中补充说明，不改变状态。",
    Action.URGE: "督促责任部门抓紧办理；督办意见将通知该部门并记入处置过程。",
}


@dataclass(frozen=True)
class ActionForm:
    """One action's form: what it is called, where it leads, which fields it shows."""

    action: Action
    to: State
    needs_comment: bool
    needs_person: bool
    takes_files: bool
    takes_comment: bool = False
    takes_measure: bool = False

    @property
    def label(self) -> str:
        return self.action.label

    @property
    def comment_label(self) -> str:
        return COMMENT_LABELS.get(self.action, "说明")

    @property
    def hint(self) -> str:
        return HINTS.get(self.action, "")


@dataclass(frozen=True)
class Submitted:
    """What the user typed into an action form, kept when the page is shown again."""

    action: str = ""
    comment: str = ""
    responsible_person: str = ""
    measure: str = ""


def forms_for(principal: Principal, record: ShownRecord) -> list[ActionForm]:
    """Return the forms of the actions `principal` may take on `record` now."""
    return [
        ActionForm(action, row.to, "comment" in row.required,
                   "responsible_person" in row.required, action in ATTACHING,
                   takes_comment="comment" in row.required or action in EVALUATING,
                   takes_measure=action in MEASURING)
        for action, row in actions_for(record.state, principal.role)
        if action not in TRIAGE_ACTIONS and action is not Action.ISSUE  # the 研判 panel's
    ]


def done_message(done: str | None, record: ShownRecord) -> str:
    """Return the confirmation shown after a redirect (`?done=<action>`), or ""."""
    try:
        action = Action(done or "")
    except ValueError:
        return ""
    return f"已完成“{action.label}”，处置记录当前状态：{State(record.state).label}。"


def action_context(
    principal: Principal, record: ShownRecord, *, done: str | None = None, error: str = "",
    submitted: Submitted | None = None,
) -> dict[str, Any]:
    """Return what the warning page needs to show the action forms and their outcome."""
    return {
        "action_forms": forms_for(principal, record),
        "done": "" if error else done_message(done, record),
        "action_error": error,
        "submitted": submitted or Submitted(),
        "measures": MEASURES,
    }
