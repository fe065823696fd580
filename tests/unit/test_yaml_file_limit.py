"""A YAML data file (organisation, register, channel, holidays) over the limit is refused
by name at line 1 before it is parsed; one under it is read."""

from pathlib import Path

import pytest

from warning import yamlfile
from warning.channels.loader import check_channels
from warning.handling.holidays import CalendarError, load_calendar
from warning.yamlfile import YamlSyntaxError, load_yaml


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 1 << 20)


def _big(path: Path) -> Path:
    path.write_text("items:\n" + "  - x\n" * 200_000, encoding="utf-8")  # 1.2 MB
    return path


def test_a_file_over_the_limit_is_refused_at_line_1(tmp_path: Path) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_yaml(_big(tmp_path / "org.yaml"))
    assert caught.value.line == 1 and "文件过大" in caught.value.message
    small = tmp_path / "small.yaml"
    small.write_text("items:\n  - x\n", encoding="utf-8")
    assert load_yaml(small) == {"items": ["x"]}


def test_every_kind_of_yaml_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match=r"holidays\.yaml:1: 文件过大"):
        load_calendar(_big(tmp_path / "holidays.yaml"))
    channels = tmp_path / "channels"
    channels.mkdir()
    _big(channels / "feed.yaml")
    _definitions, problems = check_channels(channels)
    assert any("feed.yaml" in str(p.file) and "文件过大" in p.message for p in problems), problems
