"""Count a repeat rule's hits on a subject within its window, by when signals occurred."""

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

    def count(self, rule_id: str, days: int, subject: str, at: datetime) -> int:
        """Return which hit this is (1 = first) among those at most `days` days before `at`
        (or at it), and remember it for later signals of the batch."""
        times = self._times.setdefault((rule_id, subject), [])  # kept sorted
        since = at - timedelta(days=days)
        count = 1 + bisect_right(times, at) - bisect_left(times, since)
        insort(times, at)
        return count


def counted_at(occurred_at: datetime | None, received_at: datetime) -> datetime:
    """Return the time a signal counts at in repeat windows: when it occurred, else received."""
    return occurred_at if occurred_at is not None else received_at
