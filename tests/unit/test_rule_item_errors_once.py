"""A bad item in a rule's list is one problem, at the item, not also "too few items".

Before: `text: {any: [12]}` was refused with two problems: `when.text.any.0: 须是文字` and
`when.text.any: 至少 1 项 (too few items)`, the second false (one item was written) and
naming the wrong field; pydantic counts a list's items after dropping the bad ones.
"""

from pathlib import Path

import pytest

from warning.rules.loader import RuleBookError, load_rulebook

RULE = ("rules:\n  - id: a-1\n    name: 规则\n    risk_point: P\n"
        "    when: {{text: {{any: [{item}]}}, channels: [{channel}]}}\n")


@pytest.mark.parametrize(("item", "channel", "field", "reason"), [
    ("12", "audit", "when.text.any.0", "须是文字"),
    ("~", "audit", "when.text.any.0", "须是文字"),
    ("'" + "长" * 201 + "'", "audit", "when.text.any.0", "过长"),
    ("围标", "[x]", "when.channels.0", "须是文字"),
])
def test_a_bad_list_item_is_one_problem_naming_the_item(
    tmp_path: Path, item: str, channel: str, field: str, reason: str
) -> None:
    (tmp_path / "a.yaml").write_text(RULE.format(item=item, channel=channel), encoding="utf-8")
    with pytest.raises(RuleBookError) as refused:
        load_rulebook(tmp_path, risk_points={"P"}, channels={"audit"})
    [problem] = refused.value.problems
    assert (Path(problem.file).name, problem.line, problem.rule_id) == ("a.yaml", 5, "a-1")
    assert f"rules.0.{field}: {reason}" in problem.message


def test_a_list_written_too_short_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULE.format(item="", channel="audit"), encoding="utf-8")
    with pytest.raises(RuleBookError) as refused:
        load_rulebook(tmp_path, risk_points={"P"}, channels={"audit"})
    [problem] = refused.value.problems
    assert "rules.0.when.text.any: 至少 1 项" in problem.message
