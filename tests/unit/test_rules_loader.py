"""Loading and validating rule files: every problem names file, line, rule and field."""

from pathlib import Path

import pytest
import yaml

from warning.rules.checking import check, load_fixtures
from warning.rules.loader import RuleBookError, load_rulebook

ROOT = Path(__file__).parents[2]
GOOD = """\
rules:
  - id: bid-collusion
    name: 围标串标
    risk_point: CG-001
    when:
      text:
        any: [围标, 串标]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(folder: Path, **known: set[str] | None) -> list[str]:
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, risk_points=known.get("risk_points"),
                      channels=known.get("channels"))
    return [str(p) for p in caught.value.problems]


def test_project_rules_and_fixtures_load() -> None:
    rulebook = load_rulebook(ROOT / "rules", risk_points=None, channels=None)
    assert rulebook.rules
    assert all(len(v) == 12 for v in rulebook.versions.values())
    _cases, problems = load_fixtures(ROOT / "rules", rulebook.by_id)
    assert problems == []


def test_test_data_rules_load() -> None:
    rulebook = load_rulebook(ROOT / "tests/data/rules", risk_points=None, channels=None)
    assert {r.id for r in rulebook.rules} >= {"bid-collusion", "split-purchase"}


def test_unknown_key_names_file_line_rule_and_key(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace("any:", "anyy:"))
    [problem] = _problems(tmp_path)
    expected = "a.yaml:7: bid-collusion: 未知的键 (unknown key) rules.0.when.text.anyy"
    assert problem.endswith(expected)


def test_bad_file_is_refused_whole_with_every_problem(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    _write(tmp_path, "b.yaml", GOOD.replace("[围标, 串标]", "[围标]\n        regex: ['(?<=x)a']")
           + "  - id: ok-rule\n    name: 好\n    risk_point: X\n    when: {channels: [audit]}\n")
    problems = _problems(tmp_path)
    assert any("b.yaml:8: bid-collusion:" in p and "RE2" in p for p in problems)
    _write(tmp_path, "b.yaml", GOOD.replace("bid-collusion", "other"))
    _write(tmp_path, "c.yaml", GOOD)
    [duplicate] = _problems(tmp_path)
    assert "c.yaml:2: bid-collusion: 规则 id 重复" in duplicate and "a.yaml:2" in duplicate


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    risk_point: CG-001\n", ""), "缺少字段 (missing field) rules.0.risk_point"),
        (("CG-001\n", "CG-001\n    mode: paused\n"), "rules.0.mode"),
        (("CG-001\n", "CG-001\n    severity: 4\n"), "rules.0.severity"),
        (("CG-001\n", "CG-001\n    response: shout\n"), "rules.0.response"),
        (("[围标, 串标]", "[]"), "rules.0.when.text.any"),
        (("[围标, 串标]", "['  ']"), "空白"),
        (("bid-collusion", "Bid_Collusion"), "rules.0.id"),
        (("      text:\n        any: [围标, 串标]\n", "      repeat: {count: 2, days: 9, subject: "
          "person}\n"), "when 至少需要"),
        (("CG-001\n", "CG-001\n    when2: 1\n"), "unknown key"),
    ],
)
def test_field_errors_are_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace(*change))
    problems = _problems(tmp_path)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a+)+$", "嵌套的无界重复"),
        ("(?<=x)a", "RE2 拒绝"),
        ("(a)\\\\1", "RE2 拒绝"),
        ("a{100000}", "RE2 拒绝"),
        (".{0,1000}.{0,1000}", "编译后过大"),
        ("(", "RE2 拒绝"),
    ],
)
def test_dangerous_regex_is_refused_clearly(tmp_path: Path, pattern: str, reason: str) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace("any: [围标, 串标]", f'regex: ["{pattern}"]'))
    [problem] = _problems(tmp_path)
    assert "a.yaml:7: bid-collusion:" in problem and reason in problem


def test_unknown_risk_point_and_channel(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace("    when:\n", "    when:\n      channels: [mail]\n"))
    problems = _problems(tmp_path, risk_points={"CG-002"}, channels={"audit"})
    assert any("risk_point" in p and "CG-001" in p for p in problems)
    assert any("未知的渠道 'mail'" in p for p in problems)
    load_rulebook(tmp_path, risk_points={"CG-001"}, channels={"mail"})


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD + "  - id: [unclosed\n")
    [problem] = _problems(tmp_path)
    assert "a.yaml:9" in problem and "YAML" in problem


def test_bad_grading_file_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    grading = yaml.safe_load((ROOT / "rules/grading.yaml").read_text(encoding="utf-8"))
    del grading["matrix"]["low"][3]
    _write(tmp_path, "grading.yaml", yaml.safe_dump(grading))
    [problem] = _problems(tmp_path)
    assert "grading.yaml" in problem and "low" in problem
    _write(tmp_path, "grading.yaml", "matrix: {}\ndeadlines: {}\nspeed: 3\n")
    assert any("grading.yaml:3" in p and "speed" in p for p in _problems(tmp_path))


@pytest.mark.parametrize(("deadline", "field"), [
    ("{receive: 0, report: 15, days: working}", "receive"),  # due the moment it is raised
    ("{receive: 20, report: 15, days: working}", "report"),  # receipt due after the report
])
def test_a_deadline_no_department_could_meet_is_refused(
    tmp_path: Path, deadline: str, field: str,
) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    text = (ROOT / "rules/grading.yaml").read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("  talk:"))
    text = text.replace("talk:          {receive: 3, report: 10, days: working}",
                        f"talk:          {deadline}")
    _write(tmp_path, "grading.yaml", text)
    [problem] = _problems(tmp_path)
    assert f"grading.yaml:{line}" in problem and "talk" in problem and field in problem


def test_fixture_referencing_unknown_rule(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    _write(tmp_path / "tests", "a.yaml",
           "cases:\n  - name: x\n    signal: {channel: audit, text: 串标}\n"
           "    expect: [bid-collusion, no-such-rule]\n")
    [problem] = [str(p) for p in check(tmp_path)]
    assert "tests/a.yaml:2: no-such-rule:" in problem


def test_a_rules_folder_that_is_a_file_or_missing_is_named_for_what_it_is(
    tmp_path: Path,
) -> None:
    a_file = tmp_path / "rules.yaml"
    a_file.write_text("rules: []\n", "utf-8")
    for where, why in ((a_file, "不是目录"), (tmp_path / "missing", "规则目录不存在")):
        with pytest.raises(RuleBookError) as refused:
            load_rulebook(where, risk_points=None, channels=None)
        [problem] = refused.value.problems
        assert why in problem.message, problem
