"""Signals by channel, warnings by department, category, level and response, repeat subjects."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import (
    reviewed_raised_at,
    sees_confidential_signals,
    shown_subject,
    subject_hidden,
    visible_signals,
)
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
from warning.review.model import Bucket, ChannelFigure, RepeatSubject
from warning.review.period import Period, not_withdrawn, warning_scope
from warning.triage.policy import APART_KEY_SUFFIX

SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}


def signals_by_channel(
    session: Session, *, principal: Principal | None, period: Period
) -> list[ChannelFigure]:
    """Count the signals received in the quarter by channel, and those that reached a warning
    the reader reads (`warning_scope`: issued, and of their departments).

    A signal on a proposal alone, waiting, dismissed or merged, raised none; nor, for a
    department, did one on another department's warning (the office may judge a signal to
    be another department's matter, or move a proposal there): counting it told them of a
    warning they cannot open."""
    on_a_warning = exists().where(WarningSignal.signal_id == Signal.id,
                                  RiskWarning.id == WarningSignal.warning_id,
                                  warning_scope(principal))
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
    withdrawn warnings (issued in error) do not count. Grouped by the department's id (its
    code is unique) and its code and name joined to the few groups kept, not to every row.
    """
    w = RiskWarning
    warnings = func.count(w.id)
    keys = (w.subject_kind, _subject_key(principal), w.department_id)
    grouped = (
        select(*keys, func.max(shown_subject(principal)).label("name"),
               warnings.label("warnings"), func.sum(w.repeat_count).label("signals"),
               func.count(w.risk_point_id.distinct()).label("points"))
        .join(HandlingRecord, HandlingRecord.warning_id == w.id)
        .where(not_withdrawn(), period.holds(reviewed_raised_at()), w.created_at < period.end,
               warning_scope(principal))
        .group_by(*keys)
        .having(or_(warnings > 1, func.max(w.repeat_count) > 1))
        .subquery()
    )
    g = grouped.c
    stmt = (
        select(g.subject_kind, g.subject_key, Department.code, Department.name, g.name,
               g.warnings, g.signals, g.points)
        .outerjoin(Department, Department.id == g.department_id)
        .order_by(g.signals.desc(), g.warnings.desc(), g.subject_key)
    )
    return [
        RepeatSubject(
            subject_kind=kind, subject_kind_label=SUBJECT_KINDS.get(kind, kind),
            subject_name=name or "", department=code, department_name=department or "未指定部门",
            warnings=count, signals=int(total or 0), risk_points=points,
        )
        for kind, _, code, department, name, count, total, points in session.execute(stmt)
    ]


def _subject_key(principal: Principal | None) -> Any:
    """Return the key a warning's subject is grouped by for `principal`: a subject kept
    from them (named by a confidential petition) is grouped alone, by the warning's id, so
    a group never joins it to a subject they can read (two warnings under 张三, one of them
    a petition's, told the department whom the petition named)."""
    # A petition's warning holds its subject apart (warning.triage.policy.keeps_apart): to
    # those who may read it, it is the same subject.
    subject = func.replace(RiskWarning.subject_key, APART_KEY_SUFFIX, "")
    if sees_confidential_signals(principal):
        return subject.label("subject_key")
    own = "hidden:" + cast(RiskWarning.id, String)
    return case((subject_hidden(principal), own), else_=subject).label("subject_key")


def measure_buckets(counts: Counter[str]) -> list[Bucket]:
    """Return the records closed in the quarter by the measure the office applied on closing
    (counted by `warning.review.tally`): each known measure, then any other, "" unrecorded."""
    from warning.handling.measures import MEASURES

    left = dict(counts)
    known = [Bucket(key=key, label=label, warnings=left.pop(key, 0))
             for key, label in MEASURES.items()]
    return known + [Bucket(key=key, label=key or "未记录", warnings=count)
                    for key, count in sorted(left.items())]
