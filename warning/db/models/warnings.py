"""Warnings (预警), their handling records (处置记录) and the records' events."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warning.db.id_counters import column_default
from warning.db.models.base import Base, UTCDateTime, utcnow
from warning.db.models.org import Department
from warning.db.models.register import RiskPoint
from warning.db.models.signals import Signal
from warning.domain.actors import ACTOR_LENGTH


class RiskWarning(Base):
    """A warning raised by a rule about one subject and one risk point."""

    __tablename__ = "warnings"
    __table_args__ = (
        Index("ix_warnings_open_subject", "risk_point_id", "subject_key", "is_open"),
        # At most one open warning per risk point and subject, whatever the number of
        # writers: the database refuses the second (partial unique index, both backends).
        Index("uq_warnings_open_subject", "risk_point_id", "subject_key", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
        # the quarterly review's hits by risk point and subject, read from the index alone
        # (0008d; is_proposal and repeat_count added in 0010a)
        Index("ix_warnings_created_dims", "created_at", "department_id", "risk_point_id",
              "response", "is_proposal", "repeat_count"),
    )

    # opaque: a department reads it, and a sequence would tell it of the warnings between
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False,
                                    default=column_default("warnings"))
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(300))
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[str] = mapped_column(String(64))
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"))
    response: Mapped[str] = mapped_column(String(16))
    # the heaviest response before repetition among the rules that hit it; regrades raise it
    base_response: Mapped[str | None] = mapped_column(String(16), default=None)
    # every rule that hit this warning, in the order they first did (rule_id: the winner)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[int] = mapped_column(default=1)
    repeat_count: Mapped[int] = mapped_column(default=1)
    is_open: Mapped[bool] = mapped_column(default=True)
    # 待研判: raised as a proposal and not (yet) issued; only the office sees it. Stays true
    # when the office dismisses or merges it, so such a warning is never shown to a department.
    is_proposal: Mapped[bool] = mapped_column(default=False, server_default=false())
    # no index of its own: ix_warnings_created_dims leads with it (migration 0009c)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    risk_point: Mapped[RiskPoint] = relationship()
    department: Mapped[Department | None] = relationship()
    signal: Mapped[Signal] = relationship()
    record: Mapped["HandlingRecord"] = relationship(back_populates="warning", uselist=False)


class WarningSignal(Base):
    """A signal on a warning's timeline: the first one, and each later one attached to it."""

    __tablename__ = "warning_signals"
    __table_args__ = (UniqueConstraint("warning_id", "signal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no index of its own: the unique (warning_id, signal_id) serves it (migration 0008e)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"))
    # indexed (migration 0008c): the signal list counts each signal's warnings
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandlingRecord(Base):
    """The handling record (《廉洁风险预警处置记录》) of one warning: its lifecycle state."""

    __tablename__ = "handling_records"
    # records closed in a quarter, by measure, with their warning: from the index (0008d)
    __table_args__ = (Index("ix_handling_records_closed_state", "closed_at", "state",
                            "warning_id", "measure_applied"),
                      Index("ix_handling_records_warning_state", "warning_id", "state"),
                      Index("ix_handling_records_received", "received_at", "warning_id"),
                      Index("ix_handling_records_issued", "issued_at", "warning_id"),
                      # records waiting on their department, issued by a quarter's end (0010a;
                      # replaced the index on state alone, which it leads with)
                      Index("ix_handling_records_state_issued", "state", "issued_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    receive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    overdue_level: Mapped[int] = mapped_column(default=0)
    report_round: Mapped[int] = mapped_column(default=0, server_default="0")
    measure_applied: Mapped[str | None] = mapped_column(String(16), default=None)
    # 研判期限: when the office should have judged a proposal (None once issued or never one)
    triage_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # no index of its own: ix_handling_records_closed_state leads with it (migration 0009c)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # 下达: when the department was told, the `issue` event's time (0010a). A proposal is
    # issued after its 研判, later than its warning was raised; None while it waits, and for
    # ever once dismissed or merged, so "issued in the quarter" leaves proposals out.
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Where a proposal's 研判 ended (0010b): the last seq before its `issue` event and the
    # version just before it (0 for one issued at intake). Those who never see proposals read
    # seq and version counted from here (warning.auth.numbering).
    triage_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    triage_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Step facts, set with the event that sets them (0009e), so the quarterly review reads
    # the record rather than aggregating its events: first 签收, last 上报, first 逾期升级.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warning: Mapped[RiskWarning] = relationship(back_populates="record")
    events: Mapped[list["HandlingEvent"]] = relationship(
        back_populates="record", order_by="HandlingEvent.seq"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class HandlingEvent(Base):
    """An immutable event on a handling record, chained to the previous one by hash."""

    __tablename__ = "handling_events"
    # covering indexes for the quarterly review (0008d): events in a quarter by action, and
    # one record's step times
    __table_args__ = (UniqueConstraint("record_id", "seq"),
                      Index("ix_handling_events_action_created_record", "action", "created_at",
                            "record_id"),
                      Index("ix_handling_events_record_action", "record_id", "action", "seq",
                            "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("handling_records.id"))
    seq: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20), default="")
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    record: Mapped[HandlingRecord] = relationship(back_populates="events")
