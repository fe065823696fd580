"""Turn a batch of rule matches into rule hits, new warnings and attachments to open ones."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from warning.db.models import HandlingRecord, RiskWarning, RuleHit, Signal, WarningSignal
from warning.domain.enums import Response, RuleMode
from warning.domain.grading import Grade, GradingPolicy
from warning.rules.evaluator import RuleMatch
from warning.services.directory import Directory, RiskPointRef, risk_points_by_code
from warning.services.subjects import Subject, subject_of

T = TypeVar("T")


class RecordHooks(Protocol):
    """What the handling-record side does when a warning is raised or regraded."""

    def opened(
        self, session: Session, *, warning: RiskWarning, record: HandlingRecord, grade: Grade
    ) -> None: ...

    def regraded(
        self, session: Session, *, warning: RiskWarning, previous: str, grade: Grade
    ) -> None: ...


class UnknownRiskPointError(LookupError):
    """A rule in force names a risk point that is not in the register."""


@dataclass
class RaisedOn:
    """The warnings one signal raised or joined."""

    new: list[RiskWarning] = field(default_factory=list)
    attached: list[RiskWarning] = field(default_factory=list)


@dataclass
class _Batch:
    """What this batch has already decided, so later signals in it see earlier ones."""

    open_warnings: dict[tuple[int, str], RiskWarning]
    prior_hits: dict[tuple[str, str], int]
    batch_hits: Counter[tuple[str, str]] = field(default_factory=Counter)


def raise_warnings(
    session: Session,
    *,
    signals: Sequence[Signal],
    matches: Sequence[Sequence[RuleMatch]],
    grading: GradingPolicy,
    directory: Directory,
    hooks: RecordHooks,
    now: datetime,
    repeats: dict[int, int] | None = None,
) -> dict[int, RaisedOn]:
    """Record every hit and raise or attach warnings; return what each signal caused.

    `repeats` gives, per signal, how many near-duplicate reports its case holds (重复信访);
    grading counts whichever is higher, that or the rule's own repetition.
    """
    repeats = repeats or {}
    points = risk_points_by_code(session, (m.risk_point for ms in matches for m in ms))
    subjects = [
        [_subject(signal, match, directory) for match in ms]
        for signal, ms in zip(signals, matches, strict=True)
    ]
    batch = _Batch(
        open_warnings=_open_warnings(session, matches, subjects, points),
        prior_hits=_prior_hits(session, matches, subjects, now),
    )
    outcome: dict[int, RaisedOn] = {}
    pending = _Pending()
    for signal, signal_matches, signal_subjects in zip(signals, matches, subjects, strict=True):
        raised = outcome.setdefault(signal.id, RaisedOn())
        for match, subject in zip(signal_matches, signal_subjects, strict=True):
            point = points.get(match.risk_point)
            if point is None:
                raise UnknownRiskPointError(
                    f"规则 {match.rule_id} 指向的风险点 {match.risk_point} 不在风险点清单中"
                )
            hit = RuleHit(
                signal_id=signal.id, rule_id=match.rule_id, rule_version=match.rule_version,
                risk_point_id=point.id, mode=match.mode.value, subject_key=subject.key,
                hit_at=now,
            )
            session.add(hit)
            count = _count_hit(batch, match, subject)
            if match.mode is not RuleMode.ACTIVE:
                continue
            if match.repeat is not None and count < match.repeat.count:
                continue
            key = (point.id, subject.key)
            warning = batch.open_warnings.get(key)
            if warning is None:
                times = max(count, repeats.get(signal.id, 1))
                grade = grading.grade(point.level, match.severity, times, match.response)
                warning = _new_warning(signal, match, subject, point, grade, directory)
                session.add(warning)
                pending.new.append((warning, signal, match, grade))
                batch.open_warnings[key] = warning
                raised.new.append(warning)
            elif warning.signal_id != signal.id and warning not in raised.attached:
                regrade = _regrade(warning, match, point, grading)
                pending.attached.append((warning, signal, match, regrade))
                raised.attached.append(warning)
            pending.hits.append((hit, warning))
    _write_pending(session, pending, hooks, now)
    return outcome


def _subject(signal: Signal, match: RuleMatch, directory: Directory) -> Subject:
    department = directory.department_codes.get(signal.department_id or 0)
    kind = match.repeat.subject if match.repeat is not None else None
    return subject_of(
        kind=kind, department=department, person=signal.person or None, post=signal.post or None
    )


def _count_hit(batch: _Batch, match: RuleMatch, subject: Subject) -> int:
    key = (match.rule_id, subject.key)
    batch.batch_hits[key] += 1
    return batch.prior_hits.get(key, 0) + batch.batch_hits[key]


def _new_warning(
    signal: Signal,
    match: RuleMatch,
    subject: Subject,
    point: RiskPointRef,
    grade: Grade,
    directory: Directory,
) -> RiskWarning:
    channel = directory.channel_by_id[signal.channel_id]
    department = signal.department_id or channel.default_department_id or point.department_id
    return RiskWarning(
        risk_point_id=point.id,
        department_id=department,
        subject_kind=subject.kind.value,
        subject_key=subject.key,
        subject_name=subject.name,
        rule_id=match.rule_id,
        rule_version=match.rule_version,
        signal_id=signal.id,
        response=grade.response.value,
        severity=match.severity,
        repeat_count=1,
        is_open=True,
    )


def _regrade(
    warning: RiskWarning, match: RuleMatch, point: RiskPointRef, grading: GradingPolicy
) -> tuple[str, Grade] | None:
    """Count one more signal on an open warning; return (previous, grade) if it got heavier."""
    warning.repeat_count += 1
    severity = max(warning.severity, match.severity)
    grade = grading.grade(point.level, severity, warning.repeat_count, match.response)
    previous = warning.response
    if Response(grade.response).rank <= Response(previous).rank:
        return None
    warning.response = grade.response.value
    warning.severity = severity
    return previous, grade


@dataclass
class _Pending:
    """Warnings, attachments and hits decided in a batch, written together at its end."""

    new: list[tuple[RiskWarning, Signal, RuleMatch, Grade]] = field(default_factory=list)
    attached: list[tuple[RiskWarning, Signal, RuleMatch, tuple[str, Grade] | None]] = field(
        default_factory=list
    )
    hits: list[tuple[RuleHit, RiskWarning]] = field(default_factory=list)


def _write_pending(session: Session, pending: _Pending, hooks: RecordHooks, now: datetime) -> None:
    """Insert a batch's warnings and records in few statements, then open each record."""
    if not pending.new and not pending.attached:
        return
    session.flush()  # new warnings get their ids in one batched INSERT
    opened = []
    for warning, signal, match, grade in pending.new:
        record = HandlingRecord(warning_id=warning.id, state="issued")
        record.warning = warning
        session.add(record)
        session.add(WarningSignal(warning_id=warning.id, signal_id=signal.id,
                                  rule_id=match.rule_id, attached_at=now))
        opened.append((warning, record, grade))
    for warning, signal, match, _ in pending.attached:
        session.add(WarningSignal(warning_id=warning.id, signal_id=signal.id,
                                  rule_id=match.rule_id, attached_at=now))
    for hit, warning in pending.hits:
        hit.warning_id = warning.id
    session.flush()
    with session.no_autoflush:  # the events are flushed together at commit
        for warning, record, grade in opened:
            hooks.opened(session, warning=warning, record=record, grade=grade)
    for warning, _, _, regrade in pending.attached:
        if regrade is not None:
            hooks.regraded(session, warning=warning, previous=regrade[0], grade=regrade[1])


def _open_warnings(
    session: Session,
    matches: Sequence[Sequence[RuleMatch]],
    subjects: Sequence[Sequence[Subject]],
    points: dict[str, RiskPointRef],
) -> dict[tuple[int, str], RiskWarning]:
    pairs = {
        (points[m.risk_point].id, s.key)
        for ms, ss in zip(matches, subjects, strict=True)
        for m, s in zip(ms, ss, strict=True)
        if m.mode is RuleMode.ACTIVE and m.risk_point in points
    }
    if not pairs:
        return {}
    found: dict[tuple[int, str], RiskWarning] = {}
    for chunk in _chunks(sorted(pairs), 400):
        rows = session.scalars(
            select(RiskWarning)
            .where(
                RiskWarning.is_open.is_(True),
                tuple_(RiskWarning.risk_point_id, RiskWarning.subject_key).in_(chunk),
            )
            .order_by(RiskWarning.id)
        )
        for warning in rows:
            found.setdefault((warning.risk_point_id, warning.subject_key), warning)
    return found


def _prior_hits(
    session: Session,
    matches: Sequence[Sequence[RuleMatch]],
    subjects: Sequence[Sequence[Subject]],
    now: datetime,
) -> dict[tuple[str, str], int]:
    """Count stored hits of each repeat rule on each subject within the rule's window."""
    wanted: dict[str, tuple[int, set[str]]] = {}
    for ms, ss in zip(matches, subjects, strict=True):
        for m, s in zip(ms, ss, strict=True):
            if m.repeat is not None:
                wanted.setdefault(m.rule_id, (m.repeat.days, set()))[1].add(s.key)
    counts: dict[tuple[str, str], int] = {}
    for rule_id, (days, keys) in wanted.items():
        for chunk in _chunks(sorted(keys), 400):
            rows = session.execute(
                select(RuleHit.subject_key, func.count())
                .where(
                    RuleHit.rule_id == rule_id,
                    RuleHit.subject_key.in_(chunk),
                    RuleHit.hit_at >= now - timedelta(days=days),
                )
                .group_by(RuleHit.subject_key)
            )
            counts.update({(rule_id, key): n for key, n in rows})
    return counts


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
