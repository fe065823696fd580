"""A number in a rule, grading or fixture file that Python cannot read is a problem with
file and line, never a traceback.

Before: an integer of more than 4,300 digits (Python's int-from-text limit) raised
ValueError, and an exponent past 10^18 (`1e99999999999999999999`) decimal.InvalidOperation,
out of `qingfeng rules check|test` and every load.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from warning.cli.rules_cmd import rules_group_with
from warning.rules.yaml_lines import YamlError, load_lines

_RULE = ("rules:\n  - id: r1\n    name: 规则\n    risk_point: CG-001\n    when:\n"
         "      amount: {{gte: {bound}}}\n")
UNREADABLE = ["9" * 5000, "-" + "1" * 4301, "1e99999999999999999999", "1e-99999999999999999999"]


@pytest.mark.parametrize("written", UNREADABLE)
def test_an_unreadable_number_is_a_yaml_error_with_its_line(written: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_lines(f"a: 1\nb: {written}\n")
    assert caught.value.line == 2
    assert "位数或指数过大" in str(caught.value)
    assert len(str(caught.value)) < 200  # the digits are not all printed


def test_a_long_number_that_python_reads_still_loads() -> None:
    assert load_lines(f"a: {'9' * 4300}\nb: 1e999999999999999999\n")["a"] == int("9" * 4300)


@pytest.mark.parametrize("written", UNREADABLE[:2] + UNREADABLE[2:3])
@pytest.mark.parametrize("command", ["check", "test"])
def test_rules_check_and_test_name_the_file_and_line(
    tmp_path: Path, written: str, command: str,
) -> None:
    folder = tmp_path / "rules"
    (folder / "tests").mkdir(parents=True)
    (folder / "a.yaml").write_text(_RULE.format(bound=written), encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), [command, "--rules-dir", str(folder)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert "a.yaml:6: -: YAML" in result.output


@pytest.mark.parametrize("written", [f"'{'9' * 4000}'", f"{'9' * 4000}.5", f"0.{'0' * 4000}1"])
def test_a_long_amount_is_shown_by_its_ends(tmp_path: Path, written: str) -> None:
    from warning.rules.loader import RuleBookError, load_rulebook

    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(_RULE.format(bound=written), encoding="utf-8")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, risk_points=None, channels=None)
    [problem] = [str(p) for p in caught.value.problems]
    assert "a.yaml:6: r1: rules.0.when.amount.gte: 金额" in problem
    assert len(problem) < 300, problem[:400]
