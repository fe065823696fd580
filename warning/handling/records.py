"""Act on a handling record, and read its events and the caller's inbox."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from warning.auth.principal import Principal
from warning.auth.scoping import visible_warnings
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning
from warning.domain.lifecycle import Action, Role, State, parse_action, transition
from warning.handling.deadlines import renew_report_deadline
from warning.handling.errors import Conflict, not_found
from warning.handling.events import event_fields, last_link
from warning.handling.notices import change_notices
from warning.notify.outbox import enqueue

NOTICE_OF = {Action.RETURN: "returned", Action.ACCEPT: "closed", Action.WITHDRAW: "withdrawn"}
AWAITING = {
    Role.HANDLER: (State.ISSUED, State.RECEIVED, State.IN_PROGRESS),
    Role.OFFICE: (State.REPORTED,),
    Role.ADMIN: (State.REPORTED,),
}


def visible_record(
    session: Session, warning_id: int, principal: Principal
) -> tuple[RiskWarning, HandlingRecord]:
    """Return a warning and its record if `principal` may see them, else raise NotFound."""
    stmt = visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(RiskWarning.id == warning_id),
        principal,
    )
    row = session.execute(stmt).first()
    if row is None:
        raise not_found(warning_id)
    return row[0], row[1]


def act(
    session: Session, *, warning_id: int, principal: Principal, action: str | Action,
    version: int, comment: str = "", responsible_person: str = "",
    attachments: Sequence[dict[str, Any]] = (), now: datetime | None = None,
) -> HandlingEvent:
    """Take `action` on a warning's record at the `version` the caller saw."""
    now = now or datetime.now(UTC)
    action = action if isinstance(action, Action) else parse_action(action)
    warning, record = visible_record(session, warning_id, principal)
    if record.version != version:
        raise Conflict(record.state, record.version, seen=version)
    row = transition(record.state, action, principal.role,
                     {"comment": comment, "responsible_person": responsible_person})
    from_state = record.state
    with session.no_autoflush:  # read all first: on SQLite the first write takes the write gate
        seq, prev_hash = last_link(session, record.id)
        record.state = row.to.value
        record.updated_at = now
        data: dict[str, Any] = {}
        if action is Action.ASSIGN:
            record.responsible_person = responsible_person.strip()
            data["responsible_person"] = record.responsible_person
        if attachments:
            data["attachments"] = [dict(a) for a in attachments]
        if action is Action.RETURN:
            data |= renew_report_deadline(session, record, now)
        if not row.to.is_open:
            record.closed_at = now
            warning.is_open = False
        kind = NOTICE_OF.get(action)
        notices = []
        if kind:
            extra = f"说明：{comment.strip()}" if action is Action.RETURN else ""
            notices = change_notices(session, kind=kind, warning=warning, record=record,
                                     seq=seq + 1, now=now, extra=extra)
    conn = session.connection()  # Core, no autoflush: the object changes are written here
    try:  # then write in one short run: the record (version-checked), its event, notices
        _write_record(session, record, version)
        if not row.to.is_open:
            conn.execute(update(RiskWarning.__table__)
                            .where(RiskWarning.__table__.c.id == warning.id).values(is_open=False))
            set_committed_value(warning, "is_open", False)
        fields = event_fields(record_id=record.id, seq=seq + 1, action=action.value,
                              from_state=from_state, to_state=row.to.value,
                              actor=principal.actor, comment=comment.strip(), data=data,
                              created_at=now, prev_hash=prev_hash)
        event_id = conn.execute(
            insert(HandlingEvent.__table__).returning(HandlingEvent.__table__.c.id), fields
        ).scalar_one()
    except IntegrityError:  # another action took this seq first
        session.rollback()
        state, current = _current(session, record.id)
        raise Conflict(state, current, seen=version) from None
    enqueue(session, notices)
    event = HandlingEvent(id=event_id, **fields)  # not added: it is already stored
    set_committed_value(event, "record", record)  # callers read it; spare them a SELECT
    return event


RECORD_CHANGES = ("state", "updated_at", "responsible_person", "report_due_at", "overdue_level",
                  "report_round", "closed_at")


def _write_record(session: Session, record: HandlingRecord, version: int) -> None:
    """UPDATE the record with Core if it is still at `version`, else raise Conflict.

    The unit of work did the same with its version check, at several times the cost; the
    values are then marked committed on the object so that no flush writes them again.
    """
    values = {name: getattr(record, name) for name in RECORD_CHANGES}
    table = HandlingRecord.__table__
    done = session.connection().execute(
        update(table).where(table.c.id == record.id, table.c.version == version)
        .values(**values, version=version + 1)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        state, current = _current(session, record.id)
        raise Conflict(state, current, seen=version)
    for name, value in values.items():
        set_committed_value(record, name, value)
    set_committed_value(record, "version", version + 1)


def _current(session: Session, record_id: int) -> tuple[str, int]:
    """Read a record's committed state and version on a fresh connection."""
    with session.get_bind().connect() as conn:  # the session must be rolled back
        row = conn.execute(
            select(HandlingRecord.state, HandlingRecord.version)
            .where(HandlingRecord.id == record_id)
        ).one()
    return row[0], row[1]


def events_of(session: Session, *, warning_id: int, principal: Principal) -> list[HandlingEvent]:
    """Return a visible warning's events in order."""
    _, record = visible_record(session, warning_id, principal)
    stmt = select(HandlingEvent).where(HandlingEvent.record_id == record.id)
    return list(session.scalars(stmt.order_by(HandlingEvent.seq)))


def inbox(
    session: Session, *, principal: Principal, limit: int = 500
) -> list[tuple[RiskWarning, HandlingRecord]]:
    """Return the open records awaiting the caller, nearest deadline first."""
    states = AWAITING.get(principal.role, tuple(s for s in State if s.is_open))
    stmt = visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(HandlingRecord.state.in_([s.value for s in states])),
        principal,
    )
    stmt = stmt.order_by(HandlingRecord.report_due_at, HandlingRecord.id).limit(limit)
    return [(w, r) for w, r in session.execute(stmt)]
