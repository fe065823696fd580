"""What every export shares: the row limit and local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from warning.domain.lifecycle import DomainError

MAX_ROWS = 100_000


class ExportTooLarge(DomainError):
    """More rows match than one export may hold."""

    code = "export_too_large"


def check_size(count: int | None) -> None:
    """Refuse an export of more than MAX_ROWS rows rather than cut it short."""
    if (count or 0) > MAX_ROWS:
        raise ExportTooLarge(
            f"符合条件的记录有 {count} 条，超过单次导出上限 {MAX_ROWS} 条，请缩小筛选范围",
            f"{count} rows match, more than the export limit of {MAX_ROWS}",
        )


def local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Return a stored UTC time as a naive local time, which spreadsheets show as written."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # whole seconds: a deadline ends at 23:59:59.999999, which a spreadsheet rounds to the
    # millisecond and so shows as the next day's 00:00
    value = value.replace(microsecond=0)
    try:
        return value.astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # a stored time at the calendar's edge has no local time: keep UTC
        return value.astimezone(UTC).replace(tzinfo=None)
