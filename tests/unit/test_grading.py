"""The grading policy: matrix, repetition raise, deadlines; the shipped file is the default."""

from pathlib import Path

import pytest
import yaml

from warning.domain.enums import Level, Response
from warning.domain.grading import DayKind, GradingPolicyError, default_policy
from warning.rules.grading_file import policy_from_data

ROOT = Path(__file__).parents[2]


@pytest.fixture
def policy():  # type: ignore[no-untyped-def]
    return policy_from_data(yaml.safe_load((ROOT / "rules/grading.yaml").read_text("utf-8")))


def test_shipped_file_equals_builtin_default(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy == default_policy()


@pytest.mark.parametrize(
    ("level", "severity", "expected"),
    [
        (Level.HIGH, 1, Response.TALK), (Level.HIGH, 3, Response.RECTIFICATION),
        (Level.MEDIUM, 2, Response.TALK), (Level.LOW, 1, Response.REMINDER),
        ("高", 2, Response.ADMONITION), ("三级", 3, Response.TALK),
    ],
)
def test_matrix(policy, level, severity, expected) -> None:  # type: ignore[no-untyped-def]
    assert policy.grade(level, severity, 1, None).response is expected


def test_repetition_raises_and_caps(policy) -> None:  # type: ignore[no-untyped-def]
    assert [policy.grade(Level.LOW, 1, n, None).response for n in (1, 2, 3, 9)] == [
        Response.REMINDER, Response.TALK, Response.ADMONITION, Response.ADMONITION]
    assert policy.grade(Level.HIGH, 3, 5, None).response is Response.RECTIFICATION


def test_explicit_response_wins_and_is_raised_by_repetition(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy.grade(Level.HIGH, 3, 1, Response.REMINDER).response is Response.REMINDER
    assert policy.grade(Level.HIGH, 3, 2, Response.REMINDER).response is Response.TALK


def test_deadlines_follow_the_response(policy) -> None:  # type: ignore[no-untyped-def]
    grade = policy.grade(Level.HIGH, 3, 1, None)
    assert (grade.receive_days, grade.report_days, grade.day_kind) == (1, 30, DayKind.CALENDAR)
    grade = policy.grade(Level.LOW, 1, 1, None)
    assert (grade.receive_days, grade.report_days, grade.day_kind) == (3, 15, DayKind.WORKING)


def test_incomplete_policy_is_refused() -> None:
    data = yaml.safe_load((ROOT / "rules/grading.yaml").read_text("utf-8"))
    del data["deadlines"]["talk"]
    with pytest.raises(GradingPolicyError, match="talk"):
        policy_from_data(data)
    with pytest.raises(GradingPolicyError, match="等级"):
        default_policy().grade("极高", 1, 1, None)
