"""Link near-duplicate signals to the case they repeat and count a case's repeats.

A case is the earliest signal (lowest id) of a group of near-duplicates; every
fingerprinted signal gets a `signal_links` row pointing at its case (itself for a case),
so `repeat_count` is one indexed count. Lookups probe the band index over a bounded
window, never scan the table.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from warning.db.models import Signal, SignalBand, SignalLink
from warning.db.models.base import utcnow
from warning.db.models.signals import StoredSignal
from warning.dedup.fingerprint import THRESHOLD, Fingerprint, fingerprint, jaccard, shingles
from warning.dedup.fingerprint import comparable_text as _comparable

WINDOW = timedelta(days=180)
MAX_CANDIDATES = 30
_CHUNK = 500


@dataclass(frozen=True)
class _Known:
    """A stored signal that is a candidate match."""

    id: int
    channel_id: int
    department_id: int | None
    shingles: frozenset[str]


def link_near_duplicates(
    session: Session, signals: Sequence[StoredSignal], *, window: timedelta = WINDOW,
    threshold: float = THRESHOLD, same_channel: bool = True, now: datetime | None = None,
) -> dict[int, int]:
    """Fingerprint signals, link each to the earlier case it repeats; map id to case id."""
    now = now or utcnow()
    existing = _links(session, [s.id for s in signals])
    todo = sorted((s for s in signals if s.id not in existing), key=lambda s: s.id)
    prints = {s.id: fingerprint(s.title, s.text) for s in todo}
    stored = _candidates(session, prints, now - window)
    known = _load_known(session, {i for ids in stored.values() for i in ids})
    cases = _links(session, list(known)) | existing
    batch_bands: dict[int, list[int]] = defaultdict(list)
    result = dict(existing)
    for signal in todo:
        own = prints[signal.id]
        probe = _Known(signal.id, signal.channel_id, signal.department_id, own.shingles)
        counts: dict[int, int] = defaultdict(int)
        for key in own.band_keys:
            for other in (*stored.get(key, ()), *batch_bands.get(key, ())):
                if other < signal.id:
                    counts[other] += 1
        best = _best_case(probe, counts, known, cases, threshold, same_channel)
        case, similarity = best if best else (signal.id, 1.0)
        session.add(SignalLink(signal_id=signal.id, case_signal_id=case,
                               similarity=round(similarity, 4), linked_at=now))
        for key in own.band_keys:
            session.add(SignalBand(band_key=key, signal_id=signal.id, channel_id=signal.channel_id,
                                   received_at=signal.received_at or now))
            batch_bands[key].append(signal.id)
        known[signal.id] = probe
        cases[signal.id] = case
        result[signal.id] = case
    session.flush()
    return result


def repeat_count(session: Session, signal_id: int) -> int:
    """Return how many signals of this signal's case arrived up to and including it."""
    return repeat_counts(session, [signal_id]).get(signal_id, 1)


def repeat_counts(session: Session, signal_ids: Sequence[int]) -> dict[int, int]:
    """Return repeat_count for many signals with one query per chunk."""
    cases = _links(session, signal_ids)
    counts: dict[int, int] = {i: 1 for i in signal_ids}
    if not cases:
        return counts
    members: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(set(cases.values()))):
        rows = session.execute(
            select(SignalLink.case_signal_id, SignalLink.signal_id)
            .where(SignalLink.case_signal_id.in_(chunk))
        )
        for case, member in rows:
            members[case].append(member)
    for signal_id, case in cases.items():
        counts[signal_id] = sum(1 for m in members[case] if m <= signal_id)
    return counts


def in_case(session: Session, signal_id: int, column: ColumnElement[int]) -> ColumnElement[bool]:
    """Return the condition that `column` (a signal id) is one of this signal's case (the
    signal alone when it was not linked).

    A condition, not a list: a case of 70,000 repeats (a mass petition) bound one parameter
    per member, past PostgreSQL's 65,535 a statement, and the reporter's receipt lookup
    failed with a 500."""
    case = _links(session, [signal_id]).get(signal_id, signal_id)
    members = select(SignalLink.signal_id).where(SignalLink.case_signal_id == case)
    return or_(column == signal_id, column.in_(members))


def _best_case(
    probe: _Known, counts: dict[int, int], known: dict[int, _Known], cases: dict[int, int],
    threshold: float, same_channel: bool,
) -> tuple[int, float] | None:
    matches: list[tuple[int, float]] = []
    for other_id, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:MAX_CANDIDATES]:
        other = known.get(other_id)
        if other is None or not _comparable_pair(probe, other, same_channel):
            continue
        similarity = jaccard(probe.shingles, other.shingles)
        if similarity >= threshold:
            matches.append((cases.get(other_id, other_id), similarity))
    if not matches:
        return None
    case = min(c for c, _ in matches)
    return case, max(s for c, s in matches if c == case)


def _comparable_pair(left: _Known, right: _Known, same_channel: bool) -> bool:
    if same_channel and left.channel_id != right.channel_id:
        return False
    # The same wording about two departments is two findings, not one repeated report.
    return (left.department_id is None or right.department_id is None
            or left.department_id == right.department_id)


def _candidates(
    session: Session, prints: dict[int, Fingerprint], since: datetime
) -> dict[int, list[int]]:
    keys = sorted({k for p in prints.values() for k in p.band_keys})
    found: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(keys):
        rows = session.execute(
            select(SignalBand.band_key, SignalBand.signal_id)
            .where(SignalBand.band_key.in_(chunk), SignalBand.received_at >= since)
        )
        for key, signal_id in rows:
            found[key].append(signal_id)
    return found


def _load_known(session: Session, ids: set[int]) -> dict[int, _Known]:
    known: dict[int, _Known] = {}
    for chunk in _chunks(sorted(ids)):
        rows = session.execute(
            select(Signal.id, Signal.channel_id, Signal.department_id, Signal.title, Signal.text)
            .where(Signal.id.in_(chunk))
        )
        for signal_id, channel_id, department_id, title, text in rows:
            known[signal_id] = _Known(signal_id, channel_id, department_id,
                                      shingles(_comparable(title, text)))
    return known


def _links(session: Session, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(SignalLink.signal_id, SignalLink.case_signal_id)
            .where(SignalLink.signal_id.in_(chunk))
        )
        found.update({signal: case for signal, case in rows})
    return found


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def case_sizes(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """Return how many signals each case holds (the case and its repeats)."""
    sizes: dict[int, int] = {}
    for chunk in _chunks(list(case_ids)):
        rows = session.execute(
            select(SignalLink.case_signal_id, func.count())
            .where(SignalLink.case_signal_id.in_(chunk))
            .group_by(SignalLink.case_signal_id)
        )
        sizes.update({case: size for case, size in rows})
    return sizes
