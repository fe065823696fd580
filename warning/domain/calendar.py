"""Working days under the official holiday calendar (法定节假日与调休), and due times."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The due day's last instant: at 23:59:59 sharp the last second of the day already counted
# as past the deadline (a scan at 23:59:59.5 escalated, a receipt then was late).
END_OF_DAY = time(23, 59, 59, 999_999)


class DayKind(StrEnum):
    """How deadline days are counted."""

    CALENDAR = "calendar"
    WORKING = "working"


class CalendarError(ValueError):
    """A holiday calendar that cannot be read; the message names the place."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off that fall on weekdays and weekend days that are worked (调休)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    provisional: frozenset[int] = frozenset()  # of `years`: listed before the notice came out
    source: str = "holidays"

    def is_working_day(self, day: date) -> bool:
        """Tell whether `day` is worked; a year the file lacks counts weekends only, logged."""
        if self.years and day.year not in self.years:
            _warn_once(self.source, day.year, "未收录该年的节假日安排，按周末计算工作日",
                       "the year is missing: working days count weekends only")
        elif day.year in self.provisional:
            _warn_once(self.source, day.year, "该年为临时安排（仅法定假日，无调休）",
                       "the year is provisional: statutory days only, no make-up workdays")
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """Return the `days`-th working day after `start` (0: `start` itself)."""
        day = start
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """Return the first working day after `day`."""
        return self.add_working_days(day, 1)


_WARNED: set[tuple[str, int]] = set()


def _warn_once(source: str, year: int, problem: str, problem_en: str) -> None:
    # A deadline reaching into a year the file lacks is still set (refusing would stop
    # every warning at the year's end), but it may miss 元旦 or 春节: say so once per year
    # and process, naming the file to update.
    if (source, year) in _WARNED:
        return
    _WARNED.add((source, year))
    log.warning("节假日文件 %s: %d 年%s，请按国务院办公厅通知更新 (%s)",
                source, year, problem, problem_en)


def parse_calendar(data: Mapping[str, object], source: str = "holidays") -> HolidayCalendar:
    """Build a calendar from `{years: {2026: {holidays: [...], workdays: [...]}}}`."""
    years = data.get("years")
    if not isinstance(years, Mapping) or not years:
        raise CalendarError(f"{source}: 缺少 years (missing 'years')")
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year, entry in years.items():
        where = f"{source}: years.{year}"
        if not isinstance(year, int) or not isinstance(entry, Mapping):
            raise CalendarError(f"{where}: 年份须为整数且内容为映射 (year must map to a mapping)")
        holidays |= _days(entry.get("holidays", []), year, f"{where}.holidays")
        workdays |= _days(entry.get("workdays", []), year, f"{where}.workdays")
    both = holidays & workdays
    if both:
        raise CalendarError(f"{source}: 日期既是假日又是工作日 {sorted(both)[0]}")
    provisional = frozenset(y for y, entry in years.items() if entry.get("provisional") is True)
    return HolidayCalendar(frozenset(holidays), frozenset(workdays),
                           frozenset(years), provisional, source)


def _days(items: object, year: int, where: str) -> set[date]:
    if not isinstance(items, Iterable) or isinstance(items, str | bytes):
        raise CalendarError(f"{where}: 须为日期列表 (must be a list of dates)")
    days: set[date] = set()
    for item in items:
        if isinstance(item, Mapping):
            start, end = _date(item.get("from"), where), _date(item.get("to"), where)
            if end < start:
                raise CalendarError(f"{where}: {start} 晚于 {end} (range reversed)")
            days |= {start + timedelta(days=n) for n in range((end - start).days + 1)}
        else:
            days.add(_date(item, where))
    wrong = [d for d in days if d.year != year]
    if wrong:
        raise CalendarError(f"{where}: {wrong[0]} 不在 {year} 年 (date outside its year)")
    return days


def _date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"{where}: 无法识别的日期 {value!r} (bad date)") from None


def due_at(
    start: datetime, days: int, kind: DayKind | str, calendar: HolidayCalendar,
    tz: ZoneInfo = SHANGHAI,
) -> datetime:
    """Return the end of the due day, `days` calendar or working days after `start`, in UTC."""
    local = start.astimezone(tz).date()
    if DayKind(kind) is DayKind.WORKING:
        day = calendar.add_working_days(local, days)
    else:
        day = local + timedelta(days=days)
    return end_of_day(day, tz)


def end_of_day(day: date, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Return the last instant (microsecond) of `day` in `tz`, as UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """Return the date of `moment` in `tz`."""
    return moment.astimezone(tz).date()
