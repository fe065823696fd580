"""Grading at its edges, on SQLite and PostgreSQL: repeat windows across time zones and at
their exact bounds, hits at one moment, monitor rules beside active ones, and ties."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.integration.test_grading_rules import _signal, _warnings
from tests.support import seeded_runtime
from warning.runtime import Runtime


@pytest.fixture
def runtime(db_url: str, rules_dir: Path, rules_body: str) -> Iterator[Runtime]:
    """The integration runtime with `rules_body` in rules/grading-test.yaml (no reloads)."""
    (rules_dir / "grading-test.yaml").write_text("rules:\n" + rules_body, encoding="utf-8")
    yield from seeded_runtime(db_url, rules_dir)


REPEAT = """\
  - id: repeat-person
    name: 同一人多次
    risk_point: CW-001
    when: {text: {any: [报销异常]}, repeat: {count: 2, days: 30, subject: person}}
"""
BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize("rules_body", [REPEAT])
@pytest.mark.parametrize("same_batch", [False, True])
def test_repeat_window_compares_instants_whatever_the_offset(
    runtime: Runtime, same_batch: bool
) -> None:
    """07:00 in Beijing on 10 January is 23:00 UTC on 9 January: a hit at 22:00 UTC thirty
    days later is within 30 days, one at 23:30 UTC is not."""
    first = datetime(2025, 1, 10, 7, 0, tzinfo=BEIJING)
    cases = [("甲", first + timedelta(days=30, hours=-1), True),
             ("乙", first + timedelta(days=30, minutes=30), False),
             ("丙", first + timedelta(days=30), True)]  # exactly 30 days: at most, counts
    firsts = [_signal(n, "报销异常", person=who, occurred_at=first.isoformat())
              for n, (who, _at, _fires) in enumerate(cases)]
    seconds = [_signal(10 + n, "报销异常", person=who,
                       occurred_at=at.astimezone(UTC).isoformat())
               for n, (who, at, _fires) in enumerate(cases)]
    if same_batch:
        runtime.intake.ingest(firsts + seconds)
    else:
        runtime.intake.ingest(firsts)
        runtime.intake.ingest(seconds)
    fired = {w.subject_name for w in _warnings(runtime)}
    assert fired == {who for who, _at, fires in cases if fires}


@pytest.mark.parametrize("rules_body", [REPEAT])
@pytest.mark.parametrize("same_batch", [False, True])
def test_hits_at_the_same_moment_count_together(runtime: Runtime, same_batch: bool) -> None:
    at = datetime(2025, 6, 1, 9, 0, tzinfo=BEIJING).isoformat()
    one = _signal(1, "报销异常", person="丁", occurred_at=at)
    two = _signal(2, "报销异常", person="丁", occurred_at=at)
    if same_batch:
        runtime.intake.ingest([one, two])
    else:
        runtime.intake.ingest([one])
        runtime.intake.ingest([two])
    [warning] = _warnings(runtime)
    assert warning.rule_id == "repeat-person"


@pytest.mark.parametrize("rules_body", [REPEAT])
def test_a_hit_that_occurred_later_does_not_count_for_an_earlier_one(runtime: Runtime) -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    runtime.intake.ingest([_signal(1, "报销异常", person="戊",
                                   occurred_at=(start + timedelta(days=100)).isoformat())])
    runtime.intake.ingest([_signal(2, "报销异常", person="戊", occurred_at=start.isoformat())])
    assert _warnings(runtime) == []


MONITOR_HEAVY = """\
  - id: watch-heavy
    name: 观察
    risk_point: CG-002
    mode: monitor
    severity: 3
    when: {text: {any: [拆分合同]}}
    response: rectification
  - id: light-rule
    name: 轻
    risk_point: CG-002
    severity: 1
    when: {text: {any: [拆分合同]}}
"""


@pytest.mark.parametrize("rules_body", [MONITOR_HEAVY])
def test_a_monitor_rule_raises_nothing_beside_an_active_one(runtime: Runtime) -> None:
    runtime.intake.ingest([_signal(1, "审计发现拆分合同")])
    [warning] = _warnings(runtime)
    assert warning.rule_id == "light-rule" and warning.response != "rectification"
    assert warning.severity == 1


TIES = """\
  - id: tie-first
    name: 先
    risk_point: CG-002
    severity: 1
    when: {text: {any: [拆分合同]}}
    response: talk
  - id: tie-severe
    name: 重
    risk_point: CG-002
    severity: 2
    when: {text: {any: [拆分合同]}}
    response: talk
  - id: tie-last
    name: 后
    risk_point: CG-002
    severity: 2
    when: {text: {any: [拆分合同]}}
    response: talk
"""


@pytest.mark.parametrize("rules_body", [TIES])
def test_ties_go_to_the_higher_severity_then_file_order(runtime: Runtime) -> None:
    runtime.intake.ingest([_signal(1, "审计发现拆分合同")])
    [warning] = _warnings(runtime)
    assert (warning.rule_id, warning.response) == ("tie-severe", "talk")
