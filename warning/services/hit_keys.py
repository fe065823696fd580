"""The keys a batch's hits and warnings are held under: a subject's own, its proposal
key (待研判) or a petition's held apart, by what the rule and channel say."""

from collections.abc import Sequence

from warning.db.models.signals import StoredSignal
from warning.domain.enums import RuleMode, SubjectKind
from warning.domain.subjects import subject_present
from warning.rules.evaluator import RuleMatch
from warning.services.directory import Directory, RiskPointRef
from warning.services.subjects import Subject, subject_of
from warning.triage.policy import keeps_apart, warning_key


def asks_triage(directory: Directory, signal: StoredSignal, match: RuleMatch) -> bool:
    """Return whether a rule's hit on a signal asks for 研判: the rule's `triage`, else the
    signal's channel's."""
    if match.triage is not None:
        return match.triage
    return directory.channel_by_id[signal.channel_id].proposes


def window_keys(subject_key: str, asks: bool, apart: bool = False) -> tuple[str, ...]:
    """Return the hit keys a repeat counts on: a hit that asks for 研判, or a petition's held
    apart, counts every hit on its subject and its own kind's; a direct one only direct
    hits."""
    if asks or apart:
        return (subject_key, warning_key(subject_key, asks, apart))
    return (subject_key,)


def held_apart(directory: Directory, signal: StoredSignal, subject: Subject) -> bool:
    """Return whether a signal's hits and warnings about `subject` are held apart."""
    return keeps_apart(directory.channel_by_id[signal.channel_id].confidential,
                       subject.kind.value)


def open_keys(
    signals: Sequence[StoredSignal], matches: Sequence[Sequence[RuleMatch]],
    subjects: Sequence[Sequence[Subject | None]], points: dict[str, RiskPointRef],
    directory: Directory,
) -> set[tuple[int, str]]:
    """Return the open keys a batch may raise or join: per active match, the subject's own
    key or its proposal key, by what the rule and channel say of 研判."""
    keys: set[tuple[int, str]] = set()
    for signal, ms, ss in zip(signals, matches, subjects, strict=True):
        for match, subject in zip(ms, ss, strict=True):
            if subject is None or match.mode is not RuleMode.ACTIVE:
                continue
            # the key this rule asks for alone; a group of rules (proposes()) always ends on
            # a key one of its rules asks for
            asks = asks_triage(directory, signal, match)
            keys.add((points[match.risk_point].id,
                      warning_key(subject.key, asks, held_apart(directory, signal, subject))))
    return keys


def subjects_of(
    signal: StoredSignal, matches: Sequence[RuleMatch], directory: Directory
) -> list[Subject | None]:
    """Return the subject each match is about; None for a repeat rule whose subject is
    absent. (Worked out once per kind a signal's matches ask for.)"""
    department = directory.department_codes.get(signal.department_id or 0)
    person, post = signal.person or None, signal.post or None
    found: dict[SubjectKind | None, Subject | None] = {}
    out = []
    for match in matches:
        kind = match.repeat.subject if match.repeat is not None else None
        try:
            out.append(found[kind])
        except KeyError:
            subject = None
            if kind is None or subject_present(kind, department, person, post):
                subject = subject_of(kind=kind, department=department, person=person, post=post,
                                     signal_id=signal.id)
            out.append(found.setdefault(kind, subject))
    return out
