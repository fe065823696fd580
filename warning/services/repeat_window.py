"""Count a repeat rule's hits on a subject within its window, by when signals occurred."""

import json
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import RuleHit
from warning.services.warning_rows import chunks

Key = tuple[str, str]  # (rule id, subject key)


class RepeatWindow:
    """The times of a batch's repeat rules' hits per subject: stored ones and this batch's."""

    def __init__(self, times: dict[Key, list[datetime]] | None = None) -> None:
        self._times = times or {}

    @classmethod
    def read(
        cls, session: Session, wanted: Iterable[tuple[str, int, str]],
        earliest: datetime, latest: datetime,
    ) -> "RepeatWindow":
        """Read the stored hits that can fall in the window of any (rule, days, subject)."""
        by_rule: dict[str, tuple[int, set[str]]] = {}
        for rule_id, days, subject in wanted:
            by_rule.setdefault(rule_id, (days, set()))[1].add(subject)
        if session.get_bind().dialect.name == "sqlite":
            return cls(_read_sqlite(session, by_rule, earliest, latest))
        times: dict[Key, list[datetime]] = {}
        for rule_id, (days, subjects) in by_rule.items():
            for chunk in chunks(sorted(subjects), 400):
                rows = session.execute(
                    select(RuleHit.subject_key, RuleHit.counted_at).where(
                        RuleHit.rule_id == rule_id,
                        RuleHit.subject_key.in_(chunk),
                        RuleHit.counted_at >= earliest - timedelta(days=days),
                        RuleHit.counted_at <= latest,
                    )
                )
                for subject, at in rows:
                    times.setdefault((rule_id, subject), []).append(at)
        return cls({key: sorted(found) for key, found in times.items()})

    def count(
        self, rule_id: str, days: int, subject: str, at: datetime, also: str | None = None
    ) -> int:
        """Return which hit this is (1 = first) among those at most `days` days before `at`
        (or at it) on `subject`, and on `also` if given, and remember it (on `subject`) for
        later signals of the batch."""
        since = at - timedelta(days=days)
        count = 1
        if also is not None:
            others = self._times.get((rule_id, also), [])
            count += bisect_right(others, at) - bisect_left(others, since)
        times = self._times.setdefault((rule_id, subject), [])  # kept sorted
        count += bisect_right(times, at) - bisect_left(times, since)
        insort(times, at)
        return count


def _read_sqlite(
    session: Session, by_rule: dict[str, tuple[int, set[str]]], earliest: datetime,
    latest: datetime,
) -> dict[Key, list[datetime]]:
    """`RepeatWindow.read` in one statement, the (rule, subject, window start) triples
    passed as one JSON array: a statement per rule cost ~1 ms a signal with 500 repeat
    rules in force. Each triple is a range of ix_rule_hits_rule_subject_counted."""
    column = RuleHit.__table__.c.counted_at
    dialect = session.get_bind().dialect
    to_db = column.type._cached_bind_processor(dialect)
    from_db = column.type._cached_result_processor(dialect, None)
    assert to_db is not None and from_db is not None  # UTCDateTime stores text on SQLite
    keys = [(rule_id, subject, to_db(earliest - timedelta(days=days)))
            for rule_id, (days, subjects) in by_rule.items() for subject in sorted(subjects)]
    times: dict[Key, list[datetime]] = {}
    if not keys:
        return times
    rows = session.connection().exec_driver_sql(_WINDOW_SQLITE, (json.dumps(keys),
                                                                 to_db(latest)))
    for rule_id, subject, at in rows:
        times.setdefault((rule_id, subject), []).append(from_db(at))
    return {key: sorted(found) for key, found in times.items()}


_WINDOW_SQLITE = (
    "SELECT h.rule_id, h.subject_key, h.counted_at FROM json_each(?) AS k "
    "JOIN rule_hits AS h ON h.rule_id = json_extract(k.value, '$[0]') "
    "AND h.subject_key = json_extract(k.value, '$[1]') "
    "AND h.counted_at >= json_extract(k.value, '$[2]') WHERE h.counted_at <= ?"
)


def counted_at(occurred_at: datetime | None, received_at: datetime) -> datetime:
    """Return the time a signal counts at in repeat windows: when it occurred, else received."""
    return occurred_at if occurred_at is not None else received_at
