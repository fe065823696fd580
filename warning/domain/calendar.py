"""Working days under the official holiday calendar (法定节假日与调休), and due times."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


class DayKind(StrEnum):
    """How deadline days are counted."""

    CALENDAR = "calendar"
    WORKING = "working"


# Deadlines run up to about 30 working days: within this many days of a new year, the
# calendar must cover it too.
COVERAGE_HORIZON_DAYS = 60


class CalendarError(ValueError):
    """A holiday calendar that cannot be read; the message names the place."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off that fall on weekdays and weekend days that are worked (调休)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    # years listed before the State Council's notice: statutory days only, no 调休
    provisional: frozenset[int] = frozenset()

    def coverage_problems(self, today: date, horizon_days: int = COVERAGE_HORIZON_DAYS
                          ) -> list[str]:
        """Return, in Chinese, what deadlines counted from `today` would get wrong: a year
        they reach (this one, and the next within `horizon_days` of its start) that the
        calendar lacks (weekends only would be off) or lists provisionally."""
        needed = sorted({today.year, (today + timedelta(days=horizon_days)).year})
        problems = []
        for year in needed:
            if year not in self.years:
                problems.append(
                    f"节假日日历缺少 {year} 年：该年的期限将只按周末计算休息日，"
                    "不含法定节假日和调休。请按国务院办公厅放假通知更新日历文件"
                    "（QINGFENG_HOLIDAYS_FILE）")
            elif year in self.provisional:
                problems.append(
                    f"节假日日历中 {year} 年为暂定（只含法定节日，未含调休）。"
                    "国务院办公厅放假通知发布后请更新日历文件（QINGFENG_HOLIDAYS_FILE）")
        return problems

    def is_working_day(self, day: date) -> bool:
        """Tell whether `day` is worked."""
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


def parse_calendar(data: Mapping[str, object], source: str = "holidays") -> HolidayCalendar:
    """Build a calendar from `{years: {2026: {holidays: [...], workdays: [...]}}}`."""
    years = data.get("years")
    if not isinstance(years, Mapping) or not years:
        raise CalendarError(f"{source}: 缺少 years (missing 'years')")
    holidays: set[date] = set()
    workdays: set[date] = set()
    provisional: set[int] = set()
    for year, entry in years.items():
        where = f"{source}: years.{year}"
        if not isinstance(year, int) or not isinstance(entry, Mapping):
            raise CalendarError(f"{where}: 年份须为整数且内容为映射 (year must map to a mapping)")
        holidays |= _days(entry.get("holidays", []), year, f"{where}.holidays")
        workdays |= _days(entry.get("workdays", []), year, f"{where}.workdays")
        flag = entry.get("provisional", False)
        if not isinstance(flag, bool):
            raise CalendarError(f"{where}.provisional: 须为 true 或 false (must be a boolean)")
        if flag:
            provisional.add(year)
    both = holidays & workdays
    if both:
        raise CalendarError(f"{source}: 日期既是假日又是工作日 {sorted(both)[0]}")
    return HolidayCalendar(frozenset(holidays), frozenset(workdays), frozenset(years),
                           frozenset(provisional))


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
    """Return the last second of `day` in `tz`, as UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo = SHANGHAI) -> date:
    """Return the date of `moment` in `tz`."""
    return moment.astimezone(tz).date()
