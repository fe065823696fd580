"""A handling record as the form offices file: 《廉洁风险预警处置记录》.

One plain description of the record, read through the same visibility as its page (a
department sees its risk point, grade and deadlines; a confidential signal only as a count),
that the print view (HTML, A4) and the .docx both lay out.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import shown_raised_at
from warning.domain.enums import LEVEL_ALIASES, Response
from warning.domain.lifecycle import Action, State
from warning.handling.errors import not_found
from warning.handling.measures import MEASURES
from warning.handling.records import events_of
from warning.queries.actors import trail_names
from warning.queries.warnings import find_warning, subject_shown, timeline, timeline_channels

TITLE = "廉洁风险预警处置记录"
SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}


@dataclass(frozen=True)
class Step:
    """One step of the record: when, who, what was written, which files."""

    at: datetime
    who: str
    text: str
    files: tuple[str, ...] = ()


@dataclass
class RecordForm:
    """Every field of the printed record."""

    number: str
    department: str
    risk_point: str
    category_level: str
    manifestation: str
    sources: list[str]
    issued_at: datetime
    graded: str
    subject: str
    receive_due_at: datetime | None
    report_due_at: datetime | None
    state: str
    responsible_person: str
    received: Step | None = None
    reports: list[Step] = field(default_factory=list)
    evaluations: list[Step] = field(default_factory=list)
    measure: str = ""
    closed_at: datetime | None = None
    withdrawn: Step | None = None


def _issued_at(events: Sequence[Any], raised_at: datetime) -> datetime:
    """When the department was told: the `issue` event (a proposal is issued after its
    研判, later than it was raised); the warning's creation for records older than it."""
    issued = (e.created_at for e in events if e.action == Action.ISSUE.value)
    return next(issued, raised_at)


def record_form(session: Session, principal: Principal | None, warning_id: int) -> RecordForm:
    """Return the record of a warning `principal` may see, as its form; NotFound otherwise."""
    row = find_warning(session, principal, warning_id)
    if row is None:
        raise not_found(warning_id)
    warning, point, department, record, hidden = row
    signals = timeline(session, principal, warning_id, shown=1)  # for what is hidden
    events = events_of(session, warning_id=warning_id, principal=principal)
    names = trail_names(session, events, department)
    level = LEVEL_ALIASES.get(point.level)
    sources = timeline_channels(session, principal, warning_id)
    raised = shown_raised_at(principal, warning.created_at, record.issued_at)
    if signals.hidden:
        sources.append(signals.note)
    form = RecordForm(
        number=f"预警〔{raised.year}〕{warning.id}号",
        department=department.name if department else "未指定部门",
        risk_point=f"{point.code} {point.name}",
        category_level=f"{point.category} / {level.label if level else point.level}",
        manifestation=point.manifestation, sources=sources,
        issued_at=_issued_at(events, warning.created_at),
        graded=Response(warning.response).label,
        subject=(f"{subject_shown(warning, department, hidden) or '—'}"
                 f"（{SUBJECT_KINDS.get(warning.subject_kind, warning.subject_kind)}）"),
        receive_due_at=record.receive_due_at, report_due_at=record.report_due_at,
        state=State(record.state).label, responsible_person=record.responsible_person,
        measure=MEASURES.get(record.measure_applied or "", ""), closed_at=record.closed_at,
    )
    for event in events:
        step = Step(event.created_at, names.get(event.actor, event.actor), event.comment,
                    tuple(str(a.get("filename", "附件"))
                          for a in (event.data or {}).get("attachments", [])))
        if event.action == Action.RECEIVE.value and form.received is None:
            form.received = step
        elif event.action == Action.REPORT.value:
            form.reports.append(step)
        elif event.action in (Action.ACCEPT.value, Action.RETURN.value):
            verdict = "评估通过，办结" if event.action == Action.ACCEPT.value else "退回整改"
            form.evaluations.append(Step(step.at, step.who,
                                         f"{verdict}。{step.text}".rstrip("。") + "。"))
        elif event.action == Action.WITHDRAW.value:
            form.withdrawn = step
    return form
