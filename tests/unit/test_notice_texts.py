"""render_for (cached templates, used by intake for thousands of notices) writes exactly
what render writes, whatever the names hold."""

from datetime import UTC, datetime

import pytest

from warning.notify.messages import KIND_TITLES, WarningFacts, render, render_for

DUE = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
NAMES = ["招标泄露", "风险点{0}}", "{{department}}", "", "a\x00warning-id\x00b", "%s {}"]


@pytest.mark.parametrize("kind", sorted(KIND_TITLES))
@pytest.mark.parametrize("point", NAMES)
@pytest.mark.parametrize("department", ["财务科", "科{1}", "\x00department\x00"])
def test_render_for_equals_render(kind: str, point: str, department: str) -> None:
    for warning_id, response, extra in [(7, "talk", ""), (123456, "x{0}", "补充{说明}")]:
        facts = WarningFacts(warning_id, point, department, response, "issued", DUE, None)
        assert render_for(kind, facts, extra) == render(kind, facts, extra)


def test_texts_differ_by_warning_and_names_only_where_they_go() -> None:
    one = render_for("issued", WarningFacts(1, "甲", "乙", "talk", "issued", DUE, DUE))
    two = render_for("issued", WarningFacts(22, "丙", "丁", "talk", "issued", DUE, DUE))
    assert "预警编号：1\n" in one[1] and "预警编号：22\n" in two[1]
    assert "风险点：丙" in two[1] and "责任部门：丁" in two[1] and "甲" not in two[1]
