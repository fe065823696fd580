"""A NUL or a lone surrogate written in a data file is refused when the file is loaded.

PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded as UTF-8. YAML
writes either as an escape in a double-quoted scalar ("\\0", "\\x00", "\\ud800"); a channel
file with one loaded, and the channel sync then failed in the database. Every YAML loader
(rules, grading and fixtures; channels, organisation, register and holidays) refuses it,
naming the file and line.
"""

from pathlib import Path

import pytest

from warning.channels.loader import check_channels
from warning.rules.loader import RuleBookError, load_rulebook
from warning.rules.yaml_lines import YamlError, load_lines
from warning.yamlfile import YamlSyntaxError, load_yaml

ESCAPES = [r"\0", r"\x00", r"\u0000", r"\ud800"]


def _channel(name: str, key: str = "description") -> str:
    return f'id: api\nname: 系统接口\nkind: api\n"{key}": "{name}"\n'


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_channel_file_with_one_is_refused_with_its_file_and_line(
    tmp_path: Path, escape: str, where: str,
) -> None:
    text = (_channel(f"说明{escape}") if where == "value"
            else _channel("说明", key=f"description{escape}"))
    (tmp_path / "api.yaml").write_text(text, encoding="utf-8")
    channels, problems = check_channels(tmp_path)
    assert not channels
    assert [(p.file, p.line) for p in problems] == [(str(tmp_path / "api.yaml"), 4)], problems
    # (libyaml itself refuses the escape of a lone surrogate, also with the line)
    assert "NUL" in problems[0].message or escape == r"\ud800", problems[0].message


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_rule_file_with_one_is_refused_with_its_file_and_line(
    tmp_path: Path, escape: str,
) -> None:
    (tmp_path / "a.yaml").write_text(
        "rules:\n  - id: r1\n    name: 规则\n    risk_point: CG-001\n"
        f'    when:\n      text: {{any: ["围标{escape}"]}}\n', encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(tmp_path, risk_points=None, channels=None)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith("a.yaml:6:") or ":6:" in p.split(" ")[0] for p in found), found


@pytest.mark.parametrize("escape", ESCAPES)
def test_every_yaml_loader_refuses_one(tmp_path: Path, escape: str) -> None:
    text = f'a: 1\nb: "x{escape}y"\n'
    with pytest.raises(YamlError) as lines_error:
        load_lines(text)
    assert lines_error.value.line == 2
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(YamlSyntaxError) as file_error:
        load_yaml(path)
    assert file_error.value.line == 2


RAW = ["\x00", "\x01", "\x1b", "\x7f"]


@pytest.mark.parametrize("raw", RAW)
@pytest.mark.parametrize("line", [1, 3])
def test_a_raw_control_character_is_named_at_its_line(tmp_path: Path, raw: str,
                                                      line: int) -> None:
    """The reader refuses it before parsing, with a position and no mark: it was reported
    on line 1 in PyYAML's English ("unacceptable character #x0000 … position 907")."""
    lines = ["a: 1", "b: 2", "c: 3"]
    lines[line - 1] += f" # x{raw}y"
    text = "\n".join(lines) + "\n"
    with pytest.raises(YamlError) as lines_error:
        load_lines(text)
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(YamlSyntaxError) as file_error:
        load_yaml(path)
    for found in (lines_error.value.line, file_error.value.line):
        assert found == line
    for message in (str(lines_error.value), file_error.value.message):
        assert f"U+{ord(raw):04X}" in message and "position" not in message, message
