"""Rule files written as rules/README.md shows them mean what it says; odd YAML is a problem
with file and line, never a traceback.

The rule, grading and fixture files are read as YAML 1.2 (core schema): `mode: off` is the
word off (not the YAML 1.1 boolean false), `050000` is fifty thousand (not octal 20480) and
`1:30` is text (not the sexagesimal 90).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from warning.cli.rules_cmd import rules_group_with
from warning.domain.enums import RuleMode
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import RuleBookError, load_rulebook


def _rule(when: str, extra: str = "") -> str:
    return ("rules:\n  - id: r1\n    name: 规则\n    risk_point: CG-001\n"
            f"{extra}    when:\n{when}")


def _load(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, risk_points=None, channels=None)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("mode", ["off", "monitor", "active"])
def test_mode_written_as_the_readme_shows_loads(tmp_path: Path, mode: str) -> None:
    folder = _load(tmp_path / "rules", _rule("      text: {any: [围标]}\n", f"    mode: {mode}\n"))
    [rule] = load_rulebook(folder, risk_points=None, channels=None).rules
    assert rule.mode is RuleMode(mode)


def test_an_off_rule_written_plainly_never_fires(tmp_path: Path) -> None:
    folder = _load(tmp_path / "rules", _rule("      text: {any: [围标]}\n", "    mode: off\n"))
    evaluator = Evaluator(load_rulebook(folder, risk_points=None, channels=None))
    assert evaluator.match(SignalFacts(channel="audit", title="围标", text="")) == []


@pytest.mark.parametrize("word", ["no", "false", "yes"])
def test_mode_that_is_not_one_of_the_three_words_is_refused(tmp_path: Path, word: str) -> None:
    folder = _load(tmp_path / "rules", _rule("      text: {any: [围标]}\n", f"    mode: {word}\n"))
    [problem] = _problems(folder)
    assert "a.yaml:5: r1: rules.0.mode:" in problem


@pytest.mark.parametrize(
    ("written", "fires_at", "not_at"),
    [("050000", "50000", "49999.99"),  # YAML 1.1 read this as octal 20480
     ("5.0e+4", "50000", "49999.99"), ("1e5", "100000", "99999.99"), ("-0.0", "0", None),
     # more digits than a float holds: read as a float these became 10^15 and ...409.94
     ("999999999999999.99", "999999999999999.99", "999999999999999.98"),
     ("999999999999999.98", "999999999999999.98", "999999999999999.97"),
     ("90071992547409.93", "90071992547409.93", "90071992547409.92"),
     # text as a signal's amount may be written (domain/numbers.py): full-width, grouped
     ("'５００００'", "50000", "49999.99"), ("５００００", "50000", "49999.99"),
     ("'50,000'", "50000", "49999.99"), ("'50000'", "50000", "49999.99"),
     ("!!str 50000", "50000", "49999.99"), ("'１，２３４．５０'", "1234.5", "1234.49")],
)
def test_amount_bounds_are_the_decimal_numbers_written(
    tmp_path: Path, written: str, fires_at: str, not_at: str | None
) -> None:
    folder = _load(tmp_path / "rules", _rule(f"      amount: {{gte: {written}}}\n"))
    evaluator = Evaluator(load_rulebook(folder, risk_points=None, channels=None))
    assert evaluator.match(SignalFacts(channel="audit", title="", text="",
                                       amount=Decimal(fires_at)))
    if not_at is not None:
        assert not evaluator.match(SignalFacts(channel="audit", title="", text="",
                                               amount=Decimal(not_at)))


@pytest.mark.parametrize(
    "written",
    ["1:30", "5_0000", "0x10", "2026-01-01", "1.0e+30", "-1.0e+30",
     "1e400", "123456789012345678901234567890",
     # text is read as a signal's amount is: only digits, a point and thousands commas
     "'50,00'", "'5万'", "'¥50000'", "'1e5'", "'NaN'", "'Infinity'", "'true'"],
)
def test_amount_bound_that_is_text_or_out_of_range_is_a_problem(
    tmp_path: Path, written: str
) -> None:
    folder = _load(tmp_path / "rules", _rule(f"      amount: {{gte: {written}}}\n"))
    [problem] = _problems(folder)
    assert "a.yaml:6: r1: rules.0.when.amount.gte:" in problem


@pytest.mark.parametrize(
    "bounds",
    ["{gt: 100, lt: 50}", "{gt: 10, lt: 10}", "{gte: 10, lt: 10}", "{gt: 9.99, lt: 10}",
     "{lt: 0}", "{lte: -0.01}", "{gt: 999999999999999.99}", "{gte: 1000000000000000}"],
)
def test_amount_bounds_no_signal_amount_can_meet_are_a_problem(
    tmp_path: Path, bounds: str
) -> None:
    """A signal's amount is 0 .. 999,999,999,999,999.99 in whole fen; bounds that leave no
    such amount made a rule that never fires, and only low > high was refused."""
    folder = _load(tmp_path / "rules", _rule(f"      amount: {bounds}\n"))
    [problem] = _problems(folder)
    assert "a.yaml:6: r1: rules.0.when.amount:" in problem and "区间为空" in problem


@pytest.mark.parametrize("bounds", ["{gte: 10, lte: 10}", "{gt: 9.99, lt: 10.01}", "{lte: 0}",
                                    "{gte: 999999999999999.99}", "{gt: -5}"])
def test_amount_bounds_one_amount_can_meet_load(tmp_path: Path, bounds: str) -> None:
    folder = _load(tmp_path / "rules", _rule(f"      amount: {bounds}\n"))
    assert load_rulebook(folder, risk_points=None, channels=None).rules


def test_fixture_amount_out_of_range_is_a_problem(tmp_path: Path) -> None:
    folder = _load(tmp_path / "rules", _rule("      amount: {gte: 1}\n"))
    (folder / "tests").mkdir()
    (folder / "tests" / "t.yaml").write_text(
        "cases:\n  - name: 大\n    signal: {channel: audit, amount: 1.0e+30}\n    expect: [r1]\n",
        encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["check", "--rules-dir", str(folder)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "t.yaml:3: 大: cases.0.signal.amount: 金额超出范围" in result.output


@pytest.mark.parametrize(("amount", "says"), [
    ("50000.004", "decimal places"), ("-0.01", "不能小于 0"),
    ("1000000000000000", "不能大于"),
])
def test_a_fixture_amount_intake_would_refuse_is_a_problem(
    tmp_path: Path, amount: str, says: str,
) -> None:
    """A fixture is read as intake reads a signal: an amount intake refuses (3 decimals,
    negative, above the largest) would otherwise pass the test, rounded, and prove nothing."""
    folder = _load(tmp_path / "rules", _rule("      amount: {gt: 50000}\n"))
    (folder / "tests").mkdir()
    (folder / "tests" / "t.yaml").write_text(
        f"cases:\n  - name: 金额\n    signal: {{channel: audit, amount: {amount}}}\n"
        "    expect_not: [r1]\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["check", "--rules-dir", str(folder)])
    assert result.exit_code == 1, result.output
    assert "t.yaml:3: 金额: cases.0.signal.amount:" in result.output and says in result.output


def test_fixture_amount_is_the_decimal_number_written(tmp_path: Path) -> None:
    folder = _load(tmp_path / "rules", _rule("      amount: {gte: 999999999999999.99}\n"))
    (folder / "tests").mkdir()
    (folder / "tests" / "t.yaml").write_text(
        "cases:\n  - name: 差一分\n    signal: {channel: audit, amount: 999999999999999.98}\n"
        "    expect_not: [r1]\n  - name: 恰好\n"
        "    signal: {channel: audit, amount: 999999999999999.99}\n    expect: [r1]\n",
        encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["test", "--rules-dir", str(folder)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"])
def test_a_key_that_is_a_list_or_mapping_is_a_problem_with_its_line(
    tmp_path: Path, key: str
) -> None:
    folder = _load(tmp_path / "rules", _rule(f"      text: {{any: [围标]}}\n      {key}: 1\n"))
    [problem] = _problems(folder)
    assert "a.yaml:7:" in problem and "键" in problem


def test_rules_check_exits_1_with_a_line_not_a_traceback(tmp_path: Path) -> None:
    folder = _load(tmp_path / "rules", _rule("      amount: {gte: 1.0e+30}\n"))
    result = CliRunner().invoke(rules_group_with(), ["check", "--rules-dir", str(folder)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "a.yaml:6: r1: rules.0.when.amount.gte: 金额超出范围" in result.output


@pytest.mark.parametrize("written", ["yes", "'true'", "on", "off", "1", "0", "'no'"])
def test_triage_that_is_not_true_or_false_is_a_problem(tmp_path: Path, written: str) -> None:
    """Only `true`/`false` are booleans (rules/README.md); `triage: yes` had been read as
    true and `triage: off` as false while `severity: '2'` was refused."""
    folder = _load(tmp_path / "rules",
                   _rule("      text: {any: [围标]}\n", f"    triage: {written}\n"))
    [problem] = _problems(folder)
    assert "a.yaml:5: r1: rules.0.triage:" in problem


@pytest.mark.parametrize("written", ["true", "false", "True", "FALSE"])
def test_triage_true_or_false_loads(tmp_path: Path, written: str) -> None:
    folder = _load(tmp_path / "rules",
                   _rule("      text: {any: [围标]}\n", f"    triage: {written}\n"))
    [rule] = load_rulebook(folder, risk_points=None, channels=None).rules
    assert rule.triage is (written.lower() == "true")


def test_a_fixture_amount_in_full_width_is_read_as_intake_reads_it(tmp_path: Path) -> None:
    """Intake reads "５０，０００" as 50000; a fixture's signal refused it (Decimal text)."""
    folder = _load(tmp_path / "rules", _rule("      amount: {gte: '５００００'}\n"))
    (folder / "tests").mkdir()
    (folder / "tests" / "t.yaml").write_text(
        "cases:\n  - name: 全角\n    signal: {channel: audit, amount: '５０，０００'}\n"
        "    expect: [r1]\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["test", "--rules-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "通过 PASS" in result.output
