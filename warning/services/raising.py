"""Turn a batch of rule matches into rule hits, new warnings and attachments to open ones."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from warning.db.models import RuleHit, WarningSignal
from warning.db.models.signals import StoredSignal
from warning.domain.enums import Response, RuleMode
from warning.domain.grading import Grade, GradingPolicy
from warning.handling.opening import Opening
from warning.rules.evaluator import RuleMatch
from warning.services.directory import Directory, RiskPointRef
from warning.services.subjects import Subject, subject_of
from warning.services.warning_rows import (
    WarningRow,
    chunks,
    insert_new,
    open_warnings,
    update_changed,
)


class RecordHooks(Protocol):
    """What the handling-record side does when warnings are raised or regraded."""

    def opened(self, session: Session, *, openings: Sequence[Opening], now: datetime) -> None: ...

    def regraded(
        self, session: Session, *, warning_id: int, repeat_count: int, previous: str,
        grade: Grade,
    ) -> None: ...


Regrade = tuple[str, Grade, int]  # previous response, new grade, the count that raised it


class UnknownRiskPointError(LookupError):
    """A rule in force names a risk point that is not in the register."""


@dataclass(frozen=True)
class Raised:
    """A warning one signal raised (`new`) or joined, and the rule that put it there."""

    warning: WarningRow
    rule_id: str
    risk_point: str
    new: bool


@dataclass
class _Batch:
    """What this batch has already decided, so later signals in it see earlier ones."""

    open_warnings: dict[tuple[int, str], WarningRow]
    prior_hits: dict[tuple[str, str], int]
    batch_hits: Counter[tuple[str, str]] = field(default_factory=Counter)


def raise_warnings(
    session: Session,
    *,
    signals: Sequence[StoredSignal],
    matches: Sequence[Sequence[RuleMatch]],
    grading: GradingPolicy,
    directory: Directory,
    hooks: RecordHooks,
    now: datetime,
    repeats: dict[int, int] | None = None,
) -> dict[int, list[Raised]]:
    """Record every hit and raise or attach warnings; return what each signal caused.

    `repeats` gives, per signal, how many near-duplicate reports its case holds (重复信访);
    grading counts whichever is higher, that or the rule's own repetition.
    """
    repeats = repeats or {}
    points = directory.risk_points(session, (m.risk_point for ms in matches for m in ms))
    subjects = [
        [_subject(signal, match, directory) for match in ms]
        for signal, ms in zip(signals, matches, strict=True)
    ]
    batch = _Batch(
        open_warnings=open_warnings(session, _keys(matches, subjects, points)),
        prior_hits=_prior_hits(session, matches, subjects, now),
    )
    outcome: dict[int, list[Raised]] = {}
    pending = _Pending()
    for signal, signal_matches, signal_subjects in zip(signals, matches, subjects, strict=True):
        raised = outcome.setdefault(signal.id, [])
        joined: list[WarningRow] = []
        for match, subject in zip(signal_matches, signal_subjects, strict=True):
            point = points.get(match.risk_point)
            if point is None:
                raise UnknownRiskPointError(
                    f"规则 {match.rule_id} 指向的风险点 {match.risk_point} 不在风险点清单中"
                )
            hit = {
                "signal_id": signal.id, "rule_id": match.rule_id,
                "rule_version": match.rule_version, "risk_point_id": point.id,
                "mode": match.mode.value, "subject_key": subject.key, "hit_at": now,
                "warning_id": None,
            }
            pending.hits.append((hit, None))
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
                warning = _new_warning(signal, match, subject, point, grade, directory, now)
                pending.new.append((warning, signal, match, _opening(warning, point, grade,
                                                                    directory)))
                batch.open_warnings[key] = warning
                raised.append(Raised(warning, match.rule_id, match.risk_point, True))
            elif warning.signal_id != signal.id and warning not in joined:
                regrade = _regrade(warning, match, point, grading)
                pending.attached.append((warning, signal, match, regrade))
                raised.append(Raised(warning, match.rule_id, match.risk_point, False))
                joined.append(warning)
            pending.hits[-1] = (hit, warning)
    _write_pending(session, pending, hooks, now)
    return outcome


def _subject(signal: StoredSignal, match: RuleMatch, directory: Directory) -> Subject:
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
    signal: StoredSignal,
    match: RuleMatch,
    subject: Subject,
    point: RiskPointRef,
    grade: Grade,
    directory: Directory,
    now: datetime,
) -> WarningRow:
    channel = directory.channel_by_id[signal.channel_id]
    department = signal.department_id or channel.default_department_id or point.department_id
    return WarningRow(
        risk_point_id=point.id,
        subject_key=subject.key,
        signal_id=signal.id,
        response=grade.response.value,
        severity=match.severity,
        repeat_count=1,
        department_id=department,
        subject_kind=subject.kind.value,
        subject_name=subject.name,
        rule_id=match.rule_id,
        rule_version=match.rule_version,
        created_at=now,
    )


def _regrade(
    warning: WarningRow, match: RuleMatch, point: RiskPointRef, grading: GradingPolicy
) -> Regrade | None:
    """Count one more signal on an open warning; if that made it heavier, return the previous
    response, the new grade and the count that raised it."""
    warning.repeat_count += 1
    warning.changed = True
    severity = max(warning.severity, match.severity)
    grade = grading.grade(point.level, severity, warning.repeat_count, match.response)
    previous = warning.response
    if Response(grade.response).rank <= Response(previous).rank:
        return None
    warning.response = grade.response.value
    warning.severity = severity
    return previous, grade, warning.repeat_count


def _opening(
    warning: WarningRow, point: RiskPointRef, grade: Grade, directory: Directory
) -> Opening:
    """Describe a new warning's record as its grade first opens it."""
    return Opening(
        warning_id=0, department_id=warning.department_id, response=grade.response.value,
        risk_point=point.name, department=directory.name_of_department.get(
            warning.department_id or 0, ""),
        receive_days=grade.receive_days, report_days=grade.report_days,
        day_kind=grade.day_kind,
    )


@dataclass
class _Pending:
    """Warnings, attachments and hits decided in a batch, written together at its end."""

    new: list[tuple[WarningRow, StoredSignal, RuleMatch, Opening]] = field(default_factory=list)
    attached: list[tuple[WarningRow, StoredSignal, RuleMatch, Regrade | None]] = field(
        default_factory=list
    )
    hits: list[tuple[dict[str, Any], WarningRow | None]] = field(default_factory=list)


def _write_pending(session: Session, pending: _Pending, hooks: RecordHooks, now: datetime) -> None:
    """Write a batch's hits, warnings, timelines and records, each table in one statement."""
    insert_new(session, [w for w, _, _, _ in pending.new])
    links = [
        {"warning_id": w.id, "signal_id": s.id, "rule_id": m.rule_id, "attached_at": now}
        for w, s, m, _ in [*pending.new, *pending.attached]
    ]
    if links:
        session.connection().execute(insert(WarningSignal.__table__), links)
    for hit, warning in pending.hits:
        hit["warning_id"] = warning.id if warning is not None else None
    if pending.hits:
        session.connection().execute(
            insert(RuleHit.__table__), [hit for hit, _ in pending.hits]
        )
    if pending.new:
        openings = [replace(o, warning_id=w.id) for w, _, _, o in pending.new]
        hooks.opened(session, openings=openings, now=now)
    update_changed(session, (w for w, _, _, _ in pending.attached))
    for warning, _, _, regrade in pending.attached:
        if regrade is not None:
            previous, grade, count = regrade
            hooks.regraded(session, warning_id=warning.id, repeat_count=count,
                           previous=previous, grade=grade)


def _keys(
    matches: Sequence[Sequence[RuleMatch]],
    subjects: Sequence[Sequence[Subject]],
    points: dict[str, RiskPointRef],
) -> set[tuple[int, str]]:
    """Return the (risk point, subject) pairs active matches could raise warnings on."""
    return {
        (points[m.risk_point].id, s.key)
        for ms, ss in zip(matches, subjects, strict=True)
        for m, s in zip(ms, ss, strict=True)
        if m.mode is RuleMode.ACTIVE and m.risk_point in points
    }


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
        for chunk in chunks(sorted(keys), 400):
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
