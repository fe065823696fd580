"""A code the register or directory does not know is reported at its own line.

Before: an unknown risk point, channel or department was reported at the rule's first line
(`- id: ...`), whatever line the code was on: in a long rule the operator looked for it.
"""

from pathlib import Path

import pytest

from warning.rules.loader import RuleBookError, load_rulebook

RULE = """rules:
  - id: a-1
    name: 规则
    description: 说明
    risk_point: {point}
    when:
      channels:
        - audit
        - {channel}
      departments: [CGZX, {department}]
      text: {{any: [围标]}}
"""


@pytest.mark.parametrize(("point", "channel", "department", "line", "reason"), [
    ("NOPE", "audit", "CGZX", 5, "risk_point: 风险点清单中没有 'NOPE'"),
    ("P", "nosuch", "CGZX", 9, "when.channels: 未知的渠道 'nosuch'"),
    ("P", "audit", "XX", 10, "when.departments: 部门目录中没有 'XX'"),
])
def test_an_unknown_code_is_reported_at_its_line(
    tmp_path: Path, point: str, channel: str, department: str, line: int, reason: str
) -> None:
    (tmp_path / "a.yaml").write_text(
        RULE.format(point=point, channel=channel, department=department), encoding="utf-8")
    with pytest.raises(RuleBookError) as refused:
        load_rulebook(tmp_path, risk_points={"P"}, channels={"audit"},
                      departments={"CGZX"})
    [problem] = refused.value.problems
    assert (Path(problem.file).name, problem.line, problem.rule_id) == ("a.yaml", line, "a-1")
    assert problem.message == reason
