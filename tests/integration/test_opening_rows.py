"""open_records (tuples, one grade's deadlines, event data and notice texts shared) writes
exactly the rows that building each record, event and notice on its own writes."""

from datetime import UTC, datetime

from sqlalchemy import delete, select

from warning.db.models import HandlingEvent, HandlingRecord, Notice, RiskWarning
from warning.domain.calendar import DayKind, due_at
from warning.handling.events import event_fields
from warning.handling.holidays import default_calendar
from warning.handling.opening import Opening, open_records
from warning.notify.messages import WarningFacts, render
from warning.notify.outbox import department_audience, notice_row
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

NOW = datetime(2026, 3, 6, 9, 30, 0, 123456, tzinfo=UTC)  # a Friday
SHAPES = [  # response, receive days, report days, day kind, risk point, department
    ("talk", 3, 10, DayKind.WORKING, "物资采购中串通投标", "采购中心"),
    ("talk", 3, 10, DayKind.WORKING, "风险点{0}}", ""),
    ("rectification", 1, 30, DayKind.CALENDAR, "a\x00warning-id\x00b", "财务科"),
    ("reminder", 3, 15, "working", "化整为零", "科{1}"),
    ("admonition", 2, 10, "calendar", "%s {}", "\x00department\x00"),
    ("talk", 3, 10, DayKind.WORKING, "物资采购中串通投标", "采购中心"),
]


def _warnings(runtime: Runtime) -> list[int]:
    outcomes = runtime.intake.ingest([
        SignalIn.model_validate({"channel": "petition", "external_id": f"OR-{n}",
                                 "title": "来信", "text": "参与串标", "department": "CGZX",
                                 "person": f"人{n}"})
        for n in range(len(SHAPES))
    ])
    ids = [o.warnings[0].id for o in outcomes]
    with runtime.sessions() as session, session.begin():  # open them again, by hand
        records = select(HandlingRecord.id).where(HandlingRecord.warning_id.in_(ids))
        session.execute(delete(Notice).where(Notice.record_id.in_(records)))
        session.execute(delete(HandlingEvent).where(HandlingEvent.record_id.in_(records)))
        session.execute(delete(HandlingRecord).where(HandlingRecord.warning_id.in_(ids)))
    return ids


def test_open_records_writes_what_one_record_at_a_time_writes(runtime: Runtime) -> None:
    ids = _warnings(runtime)
    with runtime.sessions() as session:
        departments = dict(session.execute(
            select(RiskWarning.id, RiskWarning.department_id).where(RiskWarning.id.in_(ids))
        ).all())
    # names holding a template's markers fall back to render (PostgreSQL stores no NUL)
    nul = "\x00" if runtime.engine.dialect.name == "sqlite" else ""
    openings = [
        Opening(warning_id, departments[warning_id] if n % 2 == 0 else None, response,
                point.replace("\x00", nul), department.replace("\x00", nul), receive,
                report, kind)
        for n, (warning_id, (response, receive, report, kind, point, department))
        in enumerate(zip(ids, SHAPES, strict=True))
    ]
    with runtime.sessions() as session, session.begin():
        opened = open_records(session, openings, actor="system:intake", now=NOW)
    calendar = default_calendar()
    with runtime.sessions() as session:
        records = session.scalars(select(HandlingRecord).order_by(HandlingRecord.id)).all()
        events = {e.record_id: e for e in session.scalars(select(HandlingEvent))}
        notices = {n.record_id: n for n in session.scalars(select(Notice))}
    assert [r.warning_id for r in records] == ids  # inserted in the order given
    for opening, record in zip(openings, records, strict=True):
        kind = DayKind(opening.day_kind)
        receive = due_at(NOW, opening.receive_days, kind, calendar)
        report = due_at(NOW, opening.report_days, kind, calendar)
        assert (record.state, record.version, record.responsible_person, record.overdue_level,
                record.closed_at, record.updated_at, record.receive_due_at,
                record.report_due_at, record.report_round) == (
            "issued", 1, "", 0, None, NOW, receive, report, 0)
        event = events[record.id]
        expected = event_fields(
            record_id=record.id, seq=1, action="issue", from_state="", to_state="issued",
            actor="system:intake", created_at=NOW, prev_hash="",
            data={"response": opening.response, "receive_days": opening.receive_days,
                  "report_days": opening.report_days, "day_kind": kind.value},
        )
        assert {name: getattr(event, name) for name in expected} == expected
        assert opened[opening.warning_id].record_id == record.id
        assert opened[opening.warning_id].last_hash == expected["hash"]
        subject, body = render("issued", WarningFacts(
            opening.warning_id, opening.risk_point, opening.department or "未指定部门",
            opening.response, "issued", receive, report))
        row = notice_row(record_id=record.id, kind="issued",
                         audience=department_audience(opening.department_id),
                         subject=subject, body=body, level=1, now=NOW)
        notice = notices[record.id]
        assert {name: getattr(notice, name) for name in row} == row
        assert notice.expanded_at is None
