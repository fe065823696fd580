"""The text of notices. Built only from the warning and its record, never from signal data."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from warning.domain.calendar import SHANGHAI
from warning.domain.enums import RESPONSE_LABELS
from warning.domain.lifecycle import State

KIND_TITLES = {
    "issued": "廉政风险预警下达",
    "returned": "整改情况被退回",
    "closed": "预警处置已办结",
    "withdrawn": "预警已撤销",
    "reminder": "处置期限提醒",
    "escalation": "预警逾期升级",
    "urged": "领导督办",
}


@dataclass(frozen=True)
class WarningFacts:
    """What a notice may say about a warning: no subject details, no reporter."""

    warning_id: int
    risk_point: str
    department: str
    response: str
    state: str
    receive_due_at: datetime | None
    report_due_at: datetime | None


@lru_cache(maxsize=1024)  # a batch's notices share a few deadlines; strftime is slow
def _when(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _response(value: str) -> str:
    return RESPONSE_LABELS.get(value, value)  # type: ignore[call-overload]  # StrEnum keys


def render(kind: str, facts: WarningFacts, extra: str = "") -> tuple[str, str]:
    """Return the subject and body of a notice of `kind`."""
    title = KIND_TITLES[kind]
    subject = f"【{title}】{facts.department}：{facts.risk_point}（预警 #{facts.warning_id}）"
    try:
        state = State(facts.state).label
    except ValueError:
        state = facts.state
    lines = [
        f"{title}",
        f"预警编号：{facts.warning_id}",
        f"风险点：{facts.risk_point}",
        f"责任部门：{facts.department}",
        f"处置措施：{_response(facts.response)}",
        f"当前状态：{state}",
        f"签收期限：{_when(facts.receive_due_at)}",
        f"上报期限：{_when(facts.report_due_at)}",
    ]
    if extra:
        lines.append(extra)
    return subject, "\n".join(lines)
