"""Calendar quarters (季度) in local time: 1–3, 4–6, 7–9 and 10–12, as UTC bounds."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import DomainError

QUARTER_TEXT = re.compile(r"(\d{4})[Qq]([1-4])")
NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}
FIRST_YEAR, LAST_YEAR = 1970, 9998


class InvalidQuarter(DomainError):
    code = "invalid_quarter"


@dataclass(frozen=True, order=True)
class Quarter:
    """One quarter of one year; its bounds are the local midnights that open and end it."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not (1 <= self.year <= 9999 and 1 <= self.number <= 4):
            raise InvalidQuarter(
                f"季度 {self.year}Q{self.number} 超出范围",
                f"quarter {self.year}Q{self.number} is out of range",
            )

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{NUMERALS[self.number]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def starts_at(self, tz: ZoneInfo = SHANGHAI) -> datetime:
        """Return local midnight of the first day, in UTC (inclusive)."""
        return datetime.combine(self.first_day, time(0), tzinfo=tz).astimezone(UTC)

    def ends_at(self, tz: ZoneInfo = SHANGHAI) -> datetime:
        """Return local midnight after the last day, in UTC (exclusive)."""
        return self.next().starts_at(tz)

    def contains(self, moment: datetime, tz: ZoneInfo = SHANGHAI) -> bool:
        """Tell whether the aware `moment` falls in this quarter, local time."""
        return self.starts_at(tz) <= moment < self.ends_at(tz)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                          self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                          self.number - 1)

    @classmethod
    def of_date(cls, day: date) -> "Quarter":
        """Return the quarter `day` belongs to."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo = SHANGHAI) -> "Quarter":
        """Return the quarter of the aware `moment`, local time."""
        return cls.of_date(moment.astimezone(tz).date())

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """Read "2026Q3" (or "2026q3"); raise InvalidQuarter with a message that shows the form."""
        match = QUARTER_TEXT.fullmatch(text.strip())
        if match is None or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            raise InvalidQuarter(
                f"无法识别的季度“{text}”：应写作 年份Q季度，如 2026Q3（季度为 1–4）",
                f"invalid quarter {text!r}: expected YYYYQn with n from 1 to 4, e.g. 2026Q3"
                f" (years {FIRST_YEAR}-{LAST_YEAR})",
                value=text,
            )
        return cls(int(match[1]), int(match[2]))


def recent_quarters(current: Quarter, count: int) -> list[Quarter]:
    """Return `current` and the `count - 1` quarters before it, newest first."""
    quarters = [current]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters
