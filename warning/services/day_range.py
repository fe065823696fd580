"""A filter's date range: local calendar days (从…至…, both inclusive) as UTC bounds.

The lists show times in the service's zone (Asia/Shanghai), so a user who asks for the
warnings issued on 2026-09-07 means that day there, not in UTC. A date the user typed is
checked here once, and the same bounds are used by the list pages, the API and the exports.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DATE_FORMAT = "YYYY-MM-DD"
LABELS = {"since": "开始日期", "until": "结束日期"}
YEARS = (1900, 2999)  # beyond these a local day has no UTC bounds to compare with


class BadDate(ValueError):
    """A date that is not YYYY-MM-DD, or a range that ends before it starts."""

    def __init__(self, field: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field, self.message, self.message_en = field, message, message_en


@dataclass(frozen=True)
class DayRange:
    """[start, end) in UTC; either side None when the user left it open."""

    start: datetime | None
    end: datetime | None


def day_range(since: str, until: str, zone: str) -> DayRange:
    """Return the UTC bounds of the local days `since`..`until`; raise BadDate naming the field."""
    first = _day("since", since)
    last = _day("until", until)
    if first and last and last < first:
        raise BadDate("until", f"结束日期 {last} 早于开始日期 {first}",
                      f"until {last} is before since {first}")
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(), tz).astimezone(UTC) if first else None
    end = (datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
           if last else None)
    return DayRange(start, end)


def _day(field: str, value: str) -> date | None:
    if not value:
        return None
    try:
        if len(value) != len(DATE_FORMAT):
            raise ValueError(value)
        day = date.fromisoformat(value)
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise ValueError(value)
        return day
    except ValueError:
        low, high = YEARS
        shown, label = value[:40], LABELS[field]
        message = f"{label}（{field}）“{shown}”无效，应为 {DATE_FORMAT}（{low}–{high} 年）"
        raise BadDate(field, message,
                      f"{field}: {shown!r} is not a date ({DATE_FORMAT}, {low}-{high})",
                      ) from None
