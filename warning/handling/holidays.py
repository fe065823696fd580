"""Load the holiday calendar file (updated yearly) into a HolidayCalendar."""

from functools import lru_cache
from pathlib import Path

import yaml

from warning.domain.calendar import CalendarError, HolidayCalendar, parse_calendar
from warning.yaml_safe import safe_load

DEFAULT_FILE = Path(__file__).parent / "data" / "holidays-cn.yaml"


def load_calendar(path: Path | str | None = None) -> HolidayCalendar:
    """Read and validate a holiday calendar file; errors name the file."""
    file = Path(path) if path is not None else DEFAULT_FILE
    try:
        data = safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CalendarError(f"{file}: 无法读取 ({error})") from error
    if not isinstance(data, dict):
        raise CalendarError(f"{file}: 内容须为映射 (must be a mapping)")
    return parse_calendar(data, source=str(file))


@lru_cache(maxsize=4)
def default_calendar() -> HolidayCalendar:
    """Return the bundled calendar, read once on first use."""
    return load_calendar()
