"""Load the holiday calendar file (updated yearly) into a HolidayCalendar."""

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml

from warning.domain.calendar import (
    SHANGHAI,
    CalendarError,
    HolidayCalendar,
    parse_calendar,
)
from warning.sheets.blank_files import NOTHING, blank_reason
from warning.yamlfile import YamlSyntaxError, load_yaml

DEFAULT_FILE = Path(__file__).parent / "data" / "holidays-cn.yaml"


def load_calendar(path: Path | str | None = None) -> HolidayCalendar:
    """Read and validate a holiday calendar file; errors name the file and the line."""
    file = Path(path) if path is not None else DEFAULT_FILE
    try:
        if reason := blank_reason(file):
            raise CalendarError(f"{file}: {reason}")
        data = load_yaml(file)
    except OSError as error:
        raise CalendarError(f"{file}: 无法读取 ({error.strerror or error})") from None
    except YamlSyntaxError as error:
        raise CalendarError(f"{file}:{error.line}: {error.message}") from None
    if data is None:  # comments only
        raise CalendarError(f"{file}: {NOTHING}")
    if not isinstance(data, dict):
        raise CalendarError(f"{file}:1: 内容须为映射 (must be a mapping)")
    try:
        return parse_calendar(data, source=str(file))
    except CalendarError as error:
        line = _line(file, error.loc)
        message = str(error).removeprefix(f"{file}: ")
        raise CalendarError(f"{file}:{line}: {message}", error.loc) from None


def _line(file: Path, loc: tuple[object, ...]) -> int:
    """Return the line of the node `loc` leads to (1 if the file no longer parses)."""
    try:
        node = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 1
    line = 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


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
