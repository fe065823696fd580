"""Load the holiday calendar file (updated yearly) into a HolidayCalendar."""

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml

from warning.domain.calendar import SHANGHAI, CalendarError, HolidayCalendar, parse_calendar
from warning.yaml_safe import safe_load

DEFAULT_FILE = Path(__file__).parent / "data" / "holidays-cn.yaml"


def load_calendar(path: Path | str | None = None) -> HolidayCalendar:
    """Read and validate a holiday calendar file; errors name the file."""
    file = Path(path) if path is not None else DEFAULT_FILE
    try:
        data = safe_load(file.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f"第 {mark.line + 1} 行: " if mark is not None else ""
        raise CalendarError(f"{file}: {line}{error.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CalendarError(f"{file}: 无法读取 ({error})") from None
    if not isinstance(data, dict):
        raise CalendarError(f"{file}: 内容须为映射 (must be a mapping)")
    return parse_calendar(data, source=str(file))


_configured: list[Path] = []  # the file QINGFENG_HOLIDAYS_FILE names, once a runtime is built


def use_calendar_file(path: Path | None) -> HolidayCalendar:
    """Make `path` (None: the bundled file) the calendar deadlines are counted by; read and
    check it now, so that a bad file stops the start with its name and line."""
    calendar = _read(path or DEFAULT_FILE)
    _configured[:] = [path or DEFAULT_FILE]
    return calendar


def calendar_file() -> Path:
    """Return the calendar file in use."""
    return _configured[0] if _configured else DEFAULT_FILE


def default_calendar() -> HolidayCalendar:
    """Return the calendar in use (see use_calendar_file), read once per file."""
    return _read(calendar_file())


def calendar_gaps(today: date | None = None) -> list[str]:
    """Return what the calendar in use lacks for deadlines counted from `today` (default:
    today in Shanghai), in Chinese; empty when it covers them."""
    today = today or datetime.now(SHANGHAI).date()
    return [f"{calendar_file()}: {gap}" for gap in default_calendar().coverage_problems(today)]


@lru_cache(maxsize=4)
def _read(path: Path) -> HolidayCalendar:
    return load_calendar(path)
