"""A rule file that is not YAML is refused with a Chinese reason, its file and its line.

Before: the problem read `b.yaml:2: -: YAML 语法错误: found character that cannot start any
token` (a tab used for indentation): PyYAML's English behind a Chinese prefix, for every
syntax error but the two this project raises itself (duplicate key, alias).
"""

import re
from pathlib import Path

import pytest
import yaml

from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService
from warning.yaml_safe import located

GOOD = "rules:\n  - id: good-1\n    name: 好\n    risk_point: P\n    when: {text: {any: [围标]}}\n"
BROKEN = {  # name: (text, line of the problem)
    "tab indent": ("rules:\n\t- id: x\n", 2),
    "tab in a value's indent": ("rules:\n  - id: x\n    name: b\n\tc: d\n", 4),
    "colon in a value": ("rules:\n  - id: a: b\n", 2),
    "unclosed list": ("rules: [a, b\n", 2),
    "unclosed mapping": ("rules: {a: b\n", 2),
    "unclosed quote": ("rules:\n  - id: \"abc\n", 3),
    "uneven indent": ("rules:\n  - id: a\n   name: b\n", 3),
    "second document": ("rules: []\n---\nrules: []\n", 2),
    "deep nesting": ("rules: " + "[" * 3000 + "]" * 3000 + "\n", 1),
    "python tag": ("rules: !!python/object/apply:os.system ['x']\n", 1),
    "unknown escape": ("rules: \"\\q\"\n", 1),
    "list item in a mapping": ("a: 1\n- b\n", 2),
    "at sign": ("rules: @x\n", 1),
    "closing brace": ("rules: }\n", 1),
    "directive": ("%FOO\n---\nrules: []\n", 1),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _reason(message: str) -> str:
    return message.split("YAML 语法错误: ", 1)[1]


@pytest.mark.parametrize("name", BROKEN)
def test_a_syntax_error_is_told_in_chinese_with_file_and_line(
    tmp_path: Path, name: str
) -> None:
    text, line = BROKEN[name]
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    service = RuleService(tmp_path, host=EngineHost(),
                          known_refs=lambda: ({"P"}, {"audit"}), settle_s=0)
    assert service.load() == []
    kept = service.current()
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    [problem] = service.load()
    assert (Path(problem.file).name, problem.line) == ("b.yaml", line)
    assert CJK.match(_reason(problem.message)), problem.message
    assert service.current() is kept  # the whole book refused, the previous one in force


@pytest.mark.parametrize("name", [n for n in BROKEN if n not in ("deep nesting", "directive")])
def test_the_pure_python_parsers_messages_are_told_in_chinese_too(name: str) -> None:
    text, _line = BROKEN[name]
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.load(text, Loader=yaml.SafeLoader)  # without libyaml: other wording
    _at, message = located(caught.value, text)
    assert CJK.match(_reason(message)), message
