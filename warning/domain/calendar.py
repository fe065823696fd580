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


# Deadlines run up to about 30 working days: within this many days of a new year, the
# calendar must cover it too.
COVERAGE_HORIZON_DAYS = 60


class CalendarError(ValueError):
    """A holiday calendar that cannot be read; the message names the place, and `loc` the
    keys and list positions leading to it (for the file's line)."""

    def __init__(self, message: str, loc: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off that fall on weekdays and weekend days that are worked (调休)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    provisional: frozenset[int] = frozenset()  # of `years`: listed before the notice came out
    source: str = "holidays"

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


ENTRY_KEYS = frozenset({"source", "provisional", "holidays", "workdays"})
RANGE_KEYS = frozenset({"from", "to"})


def parse_calendar(data: Mapping[str, object], source: str = "holidays") -> HolidayCalendar:
    """Build a calendar from `{years: {2026: {holidays: [...], workdays: [...]}}}`.

    Years and dates may be written as text (the line-keeping loader reads every value as
    text); a misspelt key is refused, where it would have dropped its days in silence."""
    years = data.get("years")
    if not isinstance(years, Mapping) or not years:
        raise CalendarError(f"{source}: 缺少 years (missing 'years')", ("years",))
    holidays: set[date] = set()
    workdays: set[date] = set()
    listed: set[int] = set()
    provisional: set[int] = set()
    for key, entry in years.items():
        where = f"{source}: years.{key}"
        year = _year(key)
        if year is None or not isinstance(entry, Mapping):
            raise CalendarError(f"{where}: 年份须为整数且内容为映射 (year must map to a mapping)",
                                ("years", key))
        unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
        if unknown:
            raise CalendarError(f"{where}: 未知字段“{unknown[0]}” (unknown key; expected one of"
                                f" {', '.join(sorted(ENTRY_KEYS))})", ("years", key, unknown[0]))
        listed.add(year)
        holidays |= _days(entry.get("holidays", []), year, where, ("years", key, "holidays"))
        workdays |= _days(entry.get("workdays", []), year, where, ("years", key, "workdays"))
        flag = entry.get("provisional", False)
        if flag not in (True, False, "true", "false"):
            raise CalendarError(f"{where}.provisional: 须为 true 或 false (must be a boolean)",
                                ("years", key, "provisional"))
        if flag in (True, "true"):
            provisional.add(year)
    both = holidays & workdays
    if both:
        raise CalendarError(f"{source}: 日期既是假日又是工作日 {sorted(both)[0]}")
    return HolidayCalendar(frozenset(holidays), frozenset(workdays),
                           frozenset(listed), frozenset(provisional), source)


def _year(key: object) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return key if 1900 <= key <= 9998 else None
    text = str(key)
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def _days(items: object, year: int, where: str, loc: tuple[object, ...]) -> set[date]:
    where = f"{where}.{loc[-1]}"
    if not isinstance(items, Iterable) or isinstance(items, str | bytes | Mapping):
        raise CalendarError(f"{where}: 须为日期列表 (must be a list of dates)", loc)
    days: set[date] = set()
    for n, item in enumerate(items):
        here = (*loc, n)
        if isinstance(item, Mapping):
            unknown = sorted(str(k) for k in item if k not in RANGE_KEYS)
            if unknown or not set(item) >= RANGE_KEYS:
                raise CalendarError(f"{where}: 日期区间须写作 {{from: 日期, to: 日期}}"
                                    " (a range needs exactly 'from' and 'to')", here)
            start = _date(item["from"], where, (*here, "from"))
            end = _date(item["to"], where, (*here, "to"))
            if end < start:
                raise CalendarError(f"{where}: {start} 晚于 {end} (range reversed)", here)
            new = {start + timedelta(days=d) for d in range((end - start).days + 1)}
        else:
            new = {_date(item, where, here)}
        wrong = sorted(d for d in new if d.year != year)
        if wrong:
            raise CalendarError(f"{where}: {wrong[0]} 不在 {year} 年 (date outside its year)",
                                here)
        days |= new
    return days


def _date(value: object, where: str, loc: tuple[object, ...]) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalendarError(f"{where}: 无法识别的日期 {value!r}，应写作 YYYY-MM-DD (bad date)",
                            loc) from None


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
