"""Read rules/grading.yaml into a GradingPolicy, with problems that name the line."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from warning.domain.enums import Level, Response
from warning.domain.grading import (
    DayKind,
    Deadline,
    GradingPolicy,
    GradingPolicyError,
    RepeatStep,
)

Severity = Annotated[int, Field(ge=1, le=3, strict=True)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Step(_Frozen):
    from_count: int = Field(alias="from", ge=1, strict=True)
    steps: int = Field(ge=0, le=3, strict=True)


class _Deadline(_Frozen):
    # 0 days would make a warning overdue the moment it is raised, and a receipt due after
    # the report could never be met in order: both are slips, not policies
    receive: int = Field(ge=1, le=365, strict=True)
    report: int = Field(ge=1, le=365, strict=True)
    days: DayKind

    @model_validator(mode="after")
    def _receipt_first(self) -> "_Deadline":
        if self.receive > self.report:
            raise ValueError(f"签收期限 receive ({self.receive}) 不得长于上报期限 report "
                             f"({self.report})")
        return self


class GradingFile(_Frozen):
    """The shape of rules/grading.yaml."""

    matrix: dict[Level, dict[Severity, Response]]
    repeat: tuple[_Step, ...] = ()
    deadlines: dict[Response, _Deadline]


def policy_from_data(data: Any) -> GradingPolicy:
    """Build the policy from parsed YAML; raise ValidationError or GradingPolicyError."""
    parsed = GradingFile.model_validate(data)
    return GradingPolicy(
        matrix=parsed.matrix,
        repeat_steps=tuple(RepeatStep(s.from_count, s.steps) for s in parsed.repeat),
        deadlines={r: Deadline(d.receive, d.report, d.days) for r, d in parsed.deadlines.items()},
    )


__all__ = ["GradingPolicyError", "ValidationError", "policy_from_data"]
