"""What a quarterly review (季度审查) reports: the figures, as the API returns them."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class ChannelFigure(BaseModel):
    """Signals received through one channel in the quarter."""

    channel: str = Field(description="channel id")
    name: str
    signals: int
    raised: int = Field(description="of them, signals on an issued warning's timeline")


class Bucket(BaseModel):
    """Warnings raised in the quarter with one category, level or response."""

    key: str
    label: str
    warnings: int


class DepartmentFigure(BaseModel):
    """One department's warnings raised in the quarter and its records' outcomes in it."""

    department: str | None = Field(description="department code; null: no department")
    name: str
    warnings: int = Field(description="warnings raised in the quarter")
    closed: int = Field(description="records closed (办结) in the quarter")
    closed_on_time: int
    closed_late: int
    overdue: int = Field(description="records escalated in the quarter, or still waiting on the "
                                     "department past their deadline at the cut-off")
    returned: int = Field(description="records whose report was returned in the quarter")
    withdrawn: int


class RepeatSubject(BaseModel):
    """A person, post or department with several warnings, or one warning hit repeatedly."""

    subject_kind: str
    subject_kind_label: str
    subject_name: str
    department: str | None
    department_name: str
    warnings: int
    signals: int = Field(description="signals on those warnings (repeat counts summed)")
    risk_points: int


class HotRiskPoint(BaseModel):
    """A risk point hit in the quarter, with the quarter before for comparison."""

    code: str
    name: str
    category: str
    level: str
    level_label: str
    department: str | None
    department_name: str
    warnings: int
    signals: int
    previous_quarter: int = Field(description="warnings raised in the quarter before")
    advice: str | None = Field(description="raise_level, new_measures, or null")
    advice_label: str


class StaleRiskPoint(BaseModel):
    """A risk point never reviewed, or last reviewed before the staleness cut-off."""

    code: str
    name: str
    category: str
    level: str
    level_label: str
    department: str | None
    department_name: str
    reviewed_on: date | None


class Summary(BaseModel):
    """The review's totals."""

    signals: int
    warnings: int
    closed: int
    closed_on_time: int
    closed_late: int
    overdue: int
    returned: int
    withdrawn: int
    repeat_subjects: int
    recurring_risk_points: int = Field(description="hit points with advice")
    stale_risk_points: int


class Review(BaseModel):
    """A quarter's review as the caller may see it: their departments only, unless they read all."""

    quarter: str = Field(examples=["2026Q3"])
    label: str = Field(examples=["2026年第三季度"])
    starts_at: datetime = Field(description="local midnight opening the quarter, in UTC")
    ends_at: datetime = Field(description="local midnight after the quarter, in UTC (exclusive)")
    cutoff: datetime = Field(description="the earlier of now and the quarter's end")
    all_departments: bool
    stale_months: int
    stale_before: date = Field(description="points last reviewed before this day are stale")
    summary: Summary
    signals_by_channel: list[ChannelFigure]
    warnings_by_department: list[DepartmentFigure]
    warnings_by_category: list[Bucket]
    warnings_by_level: list[Bucket]
    warnings_by_response: list[Bucket]
    measures_applied: list[Bucket] = Field(
        default_factory=list, description="records closed in the quarter by the measure the "
        "office applied on closing (may differ from the grade at issue)")
    repeat_subjects: list[RepeatSubject]
    hot_risk_points: list[HotRiskPoint]
    stale_risk_points: list[StaleRiskPoint]
    trends: "Trends | None" = Field(
        default=None, description="trend, comparisons, timings and register coverage")

    @property
    def not_started(self) -> bool:
        """Tell whether the quarter had not begun when the figures were read."""
        return self.cutoff < self.starts_at


class TrendPoint(BaseModel):
    """One quarter's headline counts, for the eight-quarter trend."""

    quarter: str
    label: str
    signals: int
    warnings: int
    closed: int
    returned: int = Field(description="records whose report was returned in the quarter")


class Change(BaseModel):
    """One headline figure now, the quarter before and the same quarter a year earlier."""

    key: str
    label: str
    now: int
    previous_quarter: int
    same_quarter_last_year: int


class Timings(BaseModel):
    """How long records took, in hours from issue (下达): median and 90th percentile."""

    received: int = Field(description="records first signed for (签收) in the quarter")
    receipt_median_hours: float | None
    receipt_p90_hours: float | None
    closed: int = Field(description="records closed (办结) in the quarter")
    closure_median_hours: float | None
    closure_p90_hours: float | None
    reported: int = Field(description="records with a report (上报) in the quarter")
    returned: int = Field(description="of them, records returned (退回) in the quarter")
    return_rate: float | None = Field(description="returned / reported, 0–1")


class RegisterCoverage(BaseModel):
    """The register as the review sees it: size, share of high-level points, points never hit."""

    points: int
    high: int
    high_share: float | None = Field(description="high-level points / all points, 0–1")
    target_share: float = Field(description="the share the seeds keep high-level points near")
    never_hit: list[StaleRiskPoint] = Field(
        description="points with no warning raised by the quarter's end (withdrawn ones do "
                    "not count)")


class Trends(BaseModel):
    """The trend, the comparisons, the timings and the register's coverage of a review."""

    trend: list[TrendPoint] = Field(description="the last eight quarters, oldest first")
    changes: list[Change]
    timings: Timings
    coverage: RegisterCoverage


Review.model_rebuild()
