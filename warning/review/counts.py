"""Signals by channel, warnings by department, category, level and response, repeat subjects."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import shown_subject, visible_signals
from warning.db.models import (
    Category,
    Channel,
    Department,
    HandlingRecord,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.domain.enums import Level, Response
from warning.domain.lifecycle import State
from warning.review.model import Bucket, ChannelFigure, RepeatSubject
from warning.review.period import Period, warning_scope

SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}


def signals_by_channel(
    session: Session, *, principal: Principal | None, period: Period
) -> list[ChannelFigure]:
    """Count the signals received in the quarter by channel, and those that reached a warning."""
    on_a_warning = exists().where(WarningSignal.signal_id == Signal.id)
    signals = func.count(Signal.id)
    stmt = (
        select(Channel.code, Channel.name, signals, func.count(case((on_a_warning, Signal.id))))
        .join(Channel, Channel.id == Signal.channel_id)
        .where(period.holds(Signal.received_at))
        .group_by(Channel.id, Channel.code, Channel.name)
        .order_by(signals.desc(), Channel.code)
    )
    stmt = visible_signals(stmt, principal)
    return [ChannelFigure(channel=code, name=name, signals=count, raised=raised)
            for code, name, count, raised in session.execute(stmt)]


@dataclass
class WarningCounts:
    """Warnings issued in the quarter, rolled up by each dimension."""

    by_department: Counter[int | None] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)
    by_response: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_response.values())


def category_buckets(session: Session, counts: Counter[str]) -> list[Bucket]:
    """Return every configured category in its order, then any other category counted."""
    configured = list(session.scalars(select(Category.name).order_by(Category.position,
                                                                     Category.name)))
    extra = sorted(set(counts) - set(configured))
    return [Bucket(key=name, label=name, warnings=counts[name]) for name in configured + extra]


def level_buckets(counts: Counter[str]) -> list[Bucket]:
    """Return high, medium and low, then any unknown level counted."""
    known = [Bucket(key=lv.value, label=lv.label, warnings=counts[lv.value]) for lv in Level]
    extra = sorted(set(counts) - {lv.value for lv in Level})
    return known + [Bucket(key=key, label=key, warnings=counts[key]) for key in extra]


def response_buckets(counts: Counter[str]) -> list[Bucket]:
    """Return the four responses, lightest first."""
    return [Bucket(key=r.value, label=r.label, warnings=counts[r.value]) for r in Response]


def repeat_subjects(
    session: Session, *, principal: Principal | None, period: Period
) -> list[RepeatSubject]:
    """Return subjects with several warnings raised in the quarter, or one hit repeatedly;
    withdrawn warnings (issued in error) do not count."""
    warnings = func.count(RiskWarning.id)
    signals = func.sum(RiskWarning.repeat_count)
    shown = shown_subject(principal)
    keys = (RiskWarning.subject_kind, RiskWarning.subject_key, Department.code, Department.name)
    stmt = (
        select(*keys, func.max(shown), warnings, signals,
               func.count(RiskWarning.risk_point_id.distinct()))
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .where(HandlingRecord.state != State.WITHDRAWN.value,
               period.holds(RiskWarning.created_at),
               warning_scope(principal))
        .group_by(*keys)
        .having(or_(warnings > 1, func.max(RiskWarning.repeat_count) > 1))
        .order_by(signals.desc(), warnings.desc(), RiskWarning.subject_key)
    )
    return [
        RepeatSubject(
            subject_kind=kind, subject_kind_label=SUBJECT_KINDS.get(kind, kind),
            subject_name=name or "", department=code, department_name=department or "未指定部门",
            warnings=count, signals=int(total or 0), risk_points=points,
        )
        for kind, _, code, department, name, count, total, points in session.execute(stmt)
    ]


def measure_buckets(counts: Counter[str]) -> list[Bucket]:
    """Return the records closed in the quarter by the measure the office applied on closing
    (counted by `warning.review.tally`): each known measure, then any other, "" unrecorded."""
    from warning.handling.measures import MEASURES

    left = dict(counts)
    known = [Bucket(key=key, label=label, warnings=left.pop(key, 0))
             for key, label in MEASURES.items()]
    return known + [Bucket(key=key, label=key or "未记录", warnings=count)
                    for key, count in sorted(left.items())]
