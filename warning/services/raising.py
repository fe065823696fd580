"""Turn a batch of rule matches into rule hits, new warnings and attachments to open ones.

Per signal, the rules that fired for one (risk point, subject) decide together: the
heaviest response wins whatever their file order, and every one of them is recorded on
the warning. The database allows one open warning per (risk point, subject) key; a
proposal (待研判) holds its subject under a key of its own (`warning.triage.policy`), so a
signal that asks for 研判 never joins a warning its department already sees, and one issued
at once never joins a proposal. A batch that loses the race for a key to another writer
drops its new rows and decides again, joining the winner's warning.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from warning.db.bulk import insert_tuples
from warning.db.models import RiskWarning, RuleHit, WarningSignal
from warning.db.models.signals import StoredSignal
from warning.db.value_list import among
from warning.domain.enums import Level, Response, RuleMode
from warning.domain.grading import GradingPolicy, RuleGrade
from warning.handling.opening import Opening
from warning.handling.regrades import Regrading
from warning.rules.evaluator import RuleMatch
from warning.services.directory import Directory, RiskPointRef
from warning.services.hit_keys import (
    asks_triage,
    held_apart,
    open_keys,
    subjects_of,
    window_keys,
)
from warning.services.repeat_window import RepeatWindow, counted_at
from warning.services.subjects import Subject
from warning.services.warning_grades import OpeningFields, Regrade, join, new_warning
from warning.services.warning_rows import (
    WarningRow,
    insert_new,
    lock_for_writing,
    open_warnings,
    update_changed,
)
from warning.triage.policy import keeps_apart, proposes, warning_key

RACE_ATTEMPTS = 5


class RecordHooks(Protocol):
    """What the handling-record side does when warnings are raised or regraded."""

    def opened(self, session: Session, *, openings: Sequence[Opening], now: datetime) -> None: ...

    def regraded(
        self, session: Session, *, regradings: Sequence[Regrading], now: datetime
    ) -> None: ...


class UnknownRiskPointError(LookupError):
    """A rule in force names a risk point that is not in the register."""


@dataclass(frozen=True)
class Raised:
    """A warning one signal raised (`new`) or joined, and the rule that put it there."""

    warning: WarningRow
    rule_id: str
    risk_point: str
    new: bool


HIT_KEYS = ("signal_id", "rule_id", "rule_version", "risk_point_id", "mode", "subject_key",
            "hit_at", "counted_at", "warning_id")
LINK_KEYS = ("warning_id", "signal_id", "rule_id", "attached_at")
MODES = {mode: mode.value for mode in RuleMode}


@dataclass
class _Plan:
    """A batch's decisions, not yet written."""

    new: list[tuple[WarningRow, OpeningFields]] = field(default_factory=list)
    attached: list[tuple[WarningRow, int, str, Regrade | None]] = field(default_factory=list)
    # HIT_KEYS values, the last one the warning (None: no warning) until written
    hits: list[list[Any]] = field(default_factory=list)
    outcome: dict[int, list[Raised]] = field(default_factory=dict)


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
    if not any(matches):
        return {signal.id: [] for signal in signals}
    lock_for_writing(session)
    points = directory.risk_points(session, (m.risk_point for ms in matches for m in ms))
    for match in (m for ms in matches for m in ms):
        if match.risk_point not in points:
            raise UnknownRiskPointError(
                f"规则 {match.rule_id} 指向的风险点 {match.risk_point} 不在风险点清单中"
            )
    subjects = [subjects_of(s, ms, directory) for s, ms in zip(signals, matches, strict=True)]
    for _attempt in range(RACE_ATTEMPTS):
        plan = _decide(session, signals, matches, subjects, points, grading, directory,
                       repeats or {}, now)
        fresh = [w for w, _ in plan.new]
        lost = insert_new(session, fresh)
        if not lost:
            _write(session, plan, hooks, now)
            return plan.outcome
        # another writer opened some of these keys first: drop ours and decide again
        won = [w.id for w in fresh if w.id]
        if won:
            session.execute(delete(RiskWarning).where(among(RiskWarning.id, won)))
    raise RuntimeError("预警写入竞争未能解决 (lost the open-warning race too often)")


def _decide(
    session: Session, signals: Sequence[StoredSignal], matches: Sequence[Sequence[RuleMatch]],
    subjects: Sequence[Sequence[Subject | None]], points: dict[str, RiskPointRef],
    grading: GradingPolicy, directory: Directory, repeats: dict[int, int], now: datetime,
) -> _Plan:
    """Decide every hit, new warning and regrade of a batch against the database's state."""
    times = [counted_at(getattr(s, "occurred_at", None), s.received_at) for s in signals]
    warnings = open_warnings(session, open_keys(signals, matches, subjects, points, directory))
    wanted = [(m.rule_id, m.repeat.days, key)
              for signal, ms, ss in zip(signals, matches, subjects, strict=True)
              for m, subject in zip(ms, ss, strict=True)
              if m.repeat is not None and subject is not None
              for key in window_keys(subject.key, asks_triage(directory, signal, m),
                                      held_apart(directory, signal, subject))]
    window = RepeatWindow.read(session, wanted, min(times, default=now), max(times, default=now))
    plan = _Plan()
    hits = plan.hits
    bases: dict[tuple[Level, int], Response] = {}
    for signal, at, signal_matches, signal_subjects in zip(signals, times, matches, subjects,
                                                           strict=True):
        raised = plan.outcome.setdefault(signal.id, [])
        groups: dict[tuple[int, str], list[tuple[RuleMatch, RuleGrade, Subject]]] = {}
        fired_hits: list[tuple[list[Any], tuple[int, str]]] = []  # (hit, key)
        seen = repeats.get(signal.id, 1)
        channel = directory.channel_by_id[signal.channel_id].proposes
        confidential = directory.channel_by_id[signal.channel_id].confidential
        for match, subject in zip(signal_matches, signal_subjects, strict=True):
            if subject is None:
                continue  # a repeat rule on a signal without its subject does not fire
            point = points[match.risk_point]
            # A hit that asks for 研判 is kept on the subject's proposal key, and a petition's
            # hit about a person or post on the key held apart: it counts toward repeats of
            # its own kind, never toward what a department is shown (an audit finding that
            # were the third hit after two petitions would tell whom they named).
            asks = channel if match.triage is None else match.triage  # asks_triage(), inlined
            apart = keeps_apart(confidential, subject.kind.value)
            hit_key = warning_key(subject.key, asks, apart)
            count = 1
            if match.repeat is not None:
                count = window.count(match.rule_id, match.repeat.days, hit_key, at,
                                     also=subject.key if asks or apart else None)
            hit = [signal.id, match.rule_id, match.rule_version, point.id, MODES[match.mode],
                   hit_key, now, at, None]
            hits.append(hit)
            if match.mode is not RuleMode.ACTIVE:
                continue
            if match.repeat is not None and count < match.repeat.count:
                continue
            rule = RuleGrade(match.rule_id, match.severity, match.response, max(count, seen))
            key = (point.id, subject.key)
            groups.setdefault(key, []).append((match, rule, subject))
            fired_hits.append((hit, key))
        held: dict[tuple[int, str], tuple[int, str]] = {}  # subject key -> open key
        for key, fired in groups.items():
            proposal = (channel if len(fired) == 1 and fired[0][0].triage is None
                        else proposes(channel, [m.triage for m, _r, _s in fired]))
            apart = keeps_apart(confidential, fired[0][2].kind.value)
            held[key] = open_key = (key[0], warning_key(key[1], proposal, apart))
            warning = warnings.get(open_key)
            point = points[fired[0][0].risk_point]
            if warning is None:
                warning, opening = new_warning(signal, fired, point, grading, directory, now,
                                                bases, proposal, apart)
                plan.new.append((warning, opening))
                warnings[open_key] = warning
                raised.append(Raised(warning, warning.rule_id, point.code, True))
            else:
                rules = [rule for _m, rule, _s in fired]
                regrade, winner = join(warning, rules, point, grading)
                plan.attached.append((warning, signal.id, winner, regrade))
                raised.append(Raised(warning, winner, point.code, False))
        for hit, key in fired_hits:
            hit[-1] = warnings[held[key]]
    return plan


def _write(session: Session, plan: _Plan, hooks: RecordHooks, now: datetime) -> None:
    """Write a batch's links, hits, records and regrades, each table in one statement."""
    links = [(w.id, w.signal_id, w.rule_id, now) for w, _ in plan.new]
    links += [(w.id, signal_id, rule_id, now) for w, signal_id, rule_id, _ in plan.attached]
    conn = session.connection()
    insert_tuples(conn, WarningSignal.__table__, LINK_KEYS, links)
    for hit in plan.hits:
        if hit[-1] is not None:
            hit[-1] = hit[-1].id
    insert_tuples(conn, RuleHit.__table__, HIT_KEYS, plan.hits)  # type: ignore[arg-type]
    if plan.new:
        openings = [Opening(w.id, *fields) for w, fields in plan.new]
        hooks.opened(session, openings=openings, now=now)
    new = {id(w) for w, _ in plan.new}  # inserted with their final counts already
    update_changed(session, (w for w, _, _, _ in plan.attached if id(w) not in new))
    regradings = [Regrading(warning.id, regrade[2], regrade[0], regrade[1])
                  for warning, _signal_id, _rule_id, regrade in plan.attached
                  if regrade is not None]  # in signal order: one warning's events chain so
    if regradings:
        hooks.regraded(session, regradings=regradings, now=now)
