"""Everything the engine relies on is checked: one bad file of each kind beside good ones."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from warning.rules.checking import check, reference_hints
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import RuleBookError, load_rulebook


def _rule(rule_id: str, when: str) -> str:
    return (f"rules:\n  - id: {rule_id}\n    name: 规则 {rule_id}\n    risk_point: CG-001\n"
            f"    when:\n{when}")


GOOD = _rule("good-one", "      text:\n        any: [围标]\n")
BAD = {
    "nan.yaml": _rule("amt-nan", "      amount: {gte: .nan}\n"),
    "inf.yaml": _rule("amt-inf", "      amount: {lt: .inf}\n"),
    "neg-inf.yaml": _rule("amt-neg-inf", "      amount: {gt: -.inf}\n"),
    "bool.yaml": _rule("amt-bool", "      amount: {gte: true}\n"),
    "fen.yaml": _rule("amt-fen", "      amount: {gt: 50000.004}\n"),
    "dept.yaml": _rule("dept-slip", "      departments: [CGZX CWK]\n"),
    "channel.yaml": _rule("chan-unknown", "      channels: [nope]\n"),
    "regex.yaml": _rule("regex-nested", "      text:\n        regex: ['(?:\\p{Han}+)+']\n"),
}
KNOWN = {"risk_points": {"CG-001"}, "channels": {"audit"}, "departments": {"CGZX", "CWK"}}


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "more-good.yaml").write_text(
        _rule("good-two", "      departments: [CGZX]\n      channels: [audit]\n"
                          "      amount: {gte: 0.01}\n"), encoding="utf-8")
    for name, text in BAD.items():
        (folder / name).write_text(text, encoding="utf-8")
    os.symlink(folder / "missing-target.yaml", folder / "dangling.yaml")
    os.symlink(folder / "loop.yaml", folder / "loop.yaml")
    (folder / "folder.yaml").mkdir()
    os.mkfifo(folder / "pipe.yaml")  # reading it would block: refused unread
    (folder / "tests").mkdir()
    os.symlink(folder / "gone.yaml", folder / "tests" / "dangling-case.yaml")
    return folder


def _problems(folder: Path) -> dict[str, list[str]]:
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, **KNOWN)
    found: dict[str, list[str]] = {}
    for problem in caught.value.problems:
        found.setdefault(Path(problem.file).name, []).append(str(problem))
    return found


def test_each_bad_file_is_reported_with_file_and_line_and_good_ones_are_not(
    rules: Path,
) -> None:
    found = _problems(rules)
    # every problem points at the line of the field or code at fault
    expected = {
        "nan.yaml": (6, "NaN"), "inf.yaml": (6, "无穷大"), "neg-inf.yaml": (6, "无穷大"),
        "bool.yaml": (6, "必须是数字"), "fen.yaml": (6, "两位小数"),
        "dept.yaml": (6, "部门目录中没有 'CGZX CWK'"), "channel.yaml": (6, "未知的渠道 'nope'"),
        "regex.yaml": (7, "嵌套的无界重复"), "dangling.yaml": (1, "悬空的符号链接"),
        "loop.yaml": (1, "符号链接循环"), "folder.yaml": (1, "是目录"),
        "pipe.yaml": (1, "不是普通文件"),
    }
    assert set(found) == set(expected)  # good.yaml and more-good.yaml: no problem
    for name, (line, words) in expected.items():
        [problem] = found[name]
        assert f"{name}:{line}:" in problem and words in problem, problem


def test_without_the_bad_files_the_good_ones_load(rules: Path) -> None:
    for name in [*BAD, "dangling.yaml", "loop.yaml", "pipe.yaml"]:
        (rules / name).unlink()
    (rules / "folder.yaml").rmdir()
    rulebook = load_rulebook(rules, **KNOWN)
    assert sorted(rulebook.by_id) == ["good-one", "good-two"]
    [problem] = check(rules, **KNOWN)  # the fixture folder's dangling link
    assert "tests/dangling-case.yaml:1: -: 悬空的符号链接" in str(problem)


def test_empty_directory_tables_give_one_hint_each_not_a_problem_per_rule(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(_rule("only-dept", "      departments: [XX]\n"),
                                   encoding="utf-8")
    rulebook = load_rulebook(folder, risk_points=set(), channels={"audit"}, departments=set())
    assert list(rulebook.by_id) == ["only-dept"]
    hints = reference_hints(risk_points=set(), channels={"audit"}, departments=set())
    assert len(hints) == 2 and "先导入部门" in hints[1] and "风险点" in hints[0]


def test_dangling_grading_file_is_a_problem_not_the_default(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD, encoding="utf-8")
    os.symlink(folder / "gone.yaml", folder / "grading.yaml")
    with pytest.raises(RuleBookError) as caught:
        load_rulebook(folder, risk_points=None, channels=None)
    assert "grading.yaml:1: -: 悬空的符号链接" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    ("bounds", "amount", "fires"),
    [
        ("{lt: 999999999999999.99}", "999999999999999.95", True),  # equal as floats
        ("{gte: 999999999999999.99}", "999999999999999.95", False),
        ("{gt: 50000}", "50000.004", False),  # stored as 50000.00
        ("{gt: 50000}", "50000.005", True),  # stored as 50000.01
        ("{lte: 0.1}", "0.1", True),
        ("{gte: 0.3, lte: 0.3}", "0.3", True),  # 0.1 + 0.2 style float noise is gone
    ],
)
def test_amounts_compare_exactly_as_stored(
    tmp_path: Path, bounds: str, amount: str, fires: bool
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(_rule("amt", f"      amount: {bounds}\n"), encoding="utf-8")
    evaluator = Evaluator(load_rulebook(folder, risk_points=None, channels=None))
    facts = SignalFacts(channel="audit", title="", text="", amount=Decimal(amount))
    assert bool(evaluator.match(facts)) is fires
    rule = evaluator.rules[0]
    assert rule.when.amount is not None and rule.when.amount.holds(Decimal(amount)) is fires


@pytest.mark.parametrize(
    "pattern",
    [r"(?:\p{Han}+)+", r"(\pN*)+", r"(?P<x>[[:alpha:]]+)*", r"(?i:a|b+){2,}", r"(?U)(a+?)+?",
     r"(x{1,500})+", r"(?s:.+)+"],
)
def test_nested_repetition_in_re2_syntax_is_refused(pattern: str) -> None:
    from warning.rules.regexes import DangerousRegexError, refuse_dangerous

    with pytest.raises(DangerousRegexError, match="嵌套的无界重复"):
        refuse_dangerous(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"\p{Han}{2,5}", r"[一-龥]+", r"单笔.{0,6}4\d{4}元", r"\Q(a+)+\E", r"(?P<n>ab)+c*",
     r"x{,3}+", r"[]a+]+"],
)
def test_safe_re2_patterns_pass(pattern: str) -> None:
    from warning.rules.regexes import refuse_dangerous

    refuse_dangerous(pattern)


def test_rules_test_says_a_repeat_rule_without_its_subject_does_not_fire(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from warning.cli.rules_cmd import rules_group_with

    folder = tmp_path / "rules"
    (folder / "tests").mkdir(parents=True)
    (folder / "a.yaml").write_text(_rule(
        "repeat-person", "      text: {any: [报销]}\n"
                         "      repeat: {count: 2, days: 30, subject: person}\n"),
        encoding="utf-8")
    (folder / "tests" / "cases.yaml").write_text(
        "cases:\n"
        "  - name: 没有人员的信号不计数\n"
        "    signal: {channel: audit, text: 报销异常, department: CWK}\n"
        "    history: 5\n"
        "    expect_not: [repeat-person]\n"
        "  - name: 有人员的信号第二次触发\n"
        "    signal: {channel: audit, text: 报销异常, person: 张三}\n"
        "    history: 1\n"
        "    expect: [repeat-person]\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["test", "--rules-dir", str(folder)])
    assert result.exit_code == 0, result.output
    [note] = [line for line in result.output.splitlines() if "NOTE" in line]
    assert "cases.yaml:2: 没有人员的信号不计数" in note and "repeat-person" in note
    assert "信号缺少该主体" in note


def test_rules_check_on_an_empty_directory_prints_hints_and_passes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from warning.cli.rules_cmd import rules_group_with

    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        _rule("dept-rule", "      departments: [CGZX]\n      channels: [audit]\n"),
        encoding="utf-8")
    group = rules_group_with(lambda: (set(), {"audit"}), lambda: set())
    result = CliRunner().invoke(group, ["check", "--rules-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "请先导入部门" in result.output and "请先导入风险点清单" in result.output
    group = rules_group_with(lambda: ({"CG-001"}, {"audit"}), lambda: {"CWK"})
    result = CliRunner().invoke(group, ["check", "--rules-dir", str(folder)])
    assert result.exit_code == 1 and "a.yaml:6: dept-rule: when.departments" in result.output


def test_fixture_signals_are_evaluated_as_intake_stores_them(tmp_path: Path) -> None:
    """Intake strips the title, text and codes and reads a blank person as none; a fixture
    that kept them as written passed where the real signal would not fire (or failed)."""
    from click.testing import CliRunner

    from warning.cli.rules_cmd import rules_group_with
    from warning.services.signal_input import SignalIn

    written = {"channel": " audit ", "title": " 标题 ", "text": "拆分\n", "department": " CWK ",
               "person": "  ", "post": " "}
    stored = SignalIn(external_id="x", **written)
    assert (stored.title, stored.text, stored.person) == ("标题", "拆分", None)
    folder = tmp_path / "rules"
    (folder / "tests").mkdir(parents=True)
    (folder / "a.yaml").write_text(
        _rule("seam", "      text: {regex: ['拆分\\n', '^\\s']}\n")
        + _rule("again", "      departments: [CWK]\n"
                         "      repeat: {count: 1, days: 30, subject: person}\n")[6:],
        encoding="utf-8")
    (folder / "tests" / "cases.yaml").write_text(
        "cases:\n  - name: 如入库\n    signal: {channel: ' audit ', title: ' 标题 ', "
        "text: \"拆分\\n\", department: ' CWK ', person: '  ', post: ' '}\n"
        "    expect_not: [seam, again]\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group_with(), ["test", "--rules-dir", str(folder)])
    assert result.exit_code == 0, result.output


def test_fixture_signal_codes_are_checked_like_the_rules(tmp_path: Path) -> None:
    """A fixture whose signal names an unknown channel or department tests a signal intake
    would refuse: its expect_not passed in vain. Like a rule's codes, it is a problem."""
    folder = tmp_path / "rules"
    (folder / "tests").mkdir(parents=True)
    (folder / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "tests" / "cases.yaml").write_text(
        "cases:\n"
        "  - name: 渠道拼错\n    signal: {channel: audti, text: 围标}\n    expect_not: [good-one]\n"
        "  - name: 部门拼错\n    signal: {channel: audit, text: 围标, department: CWKK}\n"
        "    expect: [good-one]\n"
        "  - name: 都对\n    signal: {channel: audit, text: 围标, department: CWK}\n"
        "    expect: [good-one]\n", encoding="utf-8")
    problems = [str(p) for p in check(folder, channels={"audit"}, departments={"CWK"})]
    assert len(problems) == 2, problems
    assert "cases.yaml:2: 渠道拼错:" in problems[0] and "audti" in problems[0]
    assert "cases.yaml:5: 部门拼错:" in problems[1] and "CWKK" in problems[1]
    assert check(folder, channels=None, departments=None) == []  # unknown kinds: unchecked
