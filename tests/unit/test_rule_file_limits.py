"""A rule directory is read with bounded memory: an oversized rule, grading or fixture file
is refused by name, unparsed, before it can take the service's memory (a 200 MB rule file
parsed in 8 s to 1.1 GB of RSS, and the watcher reads it inside the running service)."""

from pathlib import Path

import pytest

from warning.rules import loader
from warning.rules.checking import load_fixtures
from warning.rules.loader import RuleBookError, load_rulebook

RULE = ("rules:\n  - id: r1\n    name: 规则\n    risk_point: P\n"
        "    description: '{filler}'\n    when: {{text: {{any: [围标]}}}}\n")


def _refused(folder: Path) -> list[str]:
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, risk_points=None, channels=None)
    return [str(p) for p in caught.value.problems]


def test_an_oversized_rule_file_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    (tmp_path / "a.yaml").write_text(RULE.format(filler="x" * 2000), encoding="utf-8")
    [problem] = _refused(tmp_path)
    assert problem.startswith(f"{tmp_path.as_posix()}/a.yaml:1: -:")
    assert "1000" in problem and "过大" in problem


def test_an_oversized_grading_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    (tmp_path / "a.yaml").write_text(RULE.format(filler="x"), encoding="utf-8")
    (tmp_path / "grading.yaml").write_text("#" * 2000 + "\n", encoding="utf-8")
    [problem] = _refused(tmp_path)
    assert "grading.yaml:1: -:" in problem and "过大" in problem


def test_an_oversized_fixture_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "a.yaml").write_text("#" * 2000 + "\n", encoding="utf-8")
    _cases, [problem] = load_fixtures(tmp_path, [])
    assert "tests/a.yaml:1: -:" in str(problem) and "过大" in str(problem)


def test_files_under_the_limit_that_sum_over_the_directory_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_DIRECTORY_BYTES", 1500)
    for name in ("a", "b", "c"):
        text = RULE.format(filler="x" * 500).replace("r1", f"r-{name}")
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    problems = _refused(tmp_path)
    assert len(problems) == 1 and "c.yaml:1: -:" in problems[0] and "1500" in problems[0]


def test_the_limits_leave_room_for_ten_thousand_rules_in_one_file() -> None:
    one = RULE.format(filler="拆分采购的审计发现" * 4).encode()
    assert len(one) * 10_000 < loader.MAX_FILE_BYTES <= loader.MAX_DIRECTORY_BYTES
