"""The text of notices. Built only from the warning and its record, never from signal data."""

from collections.abc import Callable
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


# Notice.subject is VARCHAR(300); a department's and a risk point's names hold 200 each, and
# a subject naming both in full (~420) failed every intake batch that issued such a warning
# on PostgreSQL. The body names them in full.
SUBJECT_NAME = 100


def _short(name: str) -> str:
    return name if len(name) <= SUBJECT_NAME else name[: SUBJECT_NAME - 1] + "…"


def _response(value: str) -> str:
    return RESPONSE_LABELS.get(value, value)  # type: ignore[call-overload]  # StrEnum keys


def render(kind: str, facts: WarningFacts, extra: str = "") -> tuple[str, str]:
    """Return the subject and body of a notice of `kind`."""
    title = KIND_TITLES[kind]
    names = f"{_short(facts.department)}：{_short(facts.risk_point)}"
    subject = f"【{title}】{names}（预警 #{facts.warning_id}）"
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



_MARKERS = ("\x00warning-id\x00", "\x00risk-point\x00", "\x00department\x00")


def render_for(kind: str, facts: WarningFacts, extra: str = "") -> tuple[str, str]:
    """`render`, from a template cached per everything but the warning, its risk point and
    its department: intake renders thousands of notices a batch that differ only in those
    (~7 µs a notice otherwise)."""
    return renderer(kind, facts.response, facts.state, facts.receive_due_at,
                    facts.report_due_at, extra)(facts.warning_id, facts.risk_point,
                                                facts.department)


Texts = Callable[[int, str, str], tuple[str, str]]


def renderer(
    kind: str, response: str, state: str, receive_due_at: datetime | None,
    report_due_at: datetime | None, extra: str = "",
) -> Texts:
    """Return `render` of notices that differ only in (warning id, risk point, department)
    as a function of those three: a batch asks for it once per grade and deadlines."""
    template = _template(kind, response, state, receive_due_at, report_due_at, extra)

    def texts(warning_id: int, risk_point: str, department: str) -> tuple[str, str]:
        # every marker holds a NUL: a name without one holds no marker
        if template is None or "\x00" in risk_point or "\x00" in department:
            return render(kind, WarningFacts(warning_id, risk_point, department, response,
                                             state, receive_due_at, report_due_at), extra)
        return (template[0].format(warning_id, _short(risk_point), _short(department)),
                template[1].format(warning_id, risk_point, department))

    return texts


@lru_cache(maxsize=1024)
def _template(
    kind: str, response: str, state: str, receive: datetime | None, report: datetime | None,
    extra: str,
) -> tuple[str, str] | None:
    """Return the subject and body as str.format templates of (warning id, risk point,
    department); None if a text holds a marker itself."""
    if any(marker in text for text in (response, state, extra) for marker in _MARKERS):
        return None
    facts = WarningFacts(_MARKERS[0], _MARKERS[1], _MARKERS[2], response,  # type: ignore[arg-type]
                         state, receive, report)
    texts = render(kind, facts, extra)
    out = []
    for text in texts:
        text = text.replace("{", "{{").replace("}", "}}")
        for number, marker in enumerate(_MARKERS):
            text = text.replace(marker, "{" + str(number) + "}")
        out.append(text)
    return out[0], out[1]
