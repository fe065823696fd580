"""Dynamic management (动态管理): what a quarter's figures suggest for the register.

Suggestions are worked out from the review each time it is read; only the office's answer
is stored (ReviewDecision, unique per quarter, kind and subject), so a dismissed suggestion
does not come back for that quarter and none is accepted twice. Accepting one changes the
register through its change history, naming the suggestion and the reason.

- raise_level: a point below high that keeps being hit (this quarter and the one before,
  or three warnings in the quarter) moves up one level.
- review_measures: a high point that keeps being hit, or a point whose records were returned
  twice or more in the quarter: its measures are reviewed (the review date is set).
- review_stale: a point not reviewed for 12 months is reviewed (the review date is set).
- register_share: high-level points are far (over ten points) from a fifth of a register of
  at least ten points; the decision is recorded, the register is left to the office.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warning.db.models import (
    HandlingEvent,
    HandlingRecord,
    ReviewDecision,
    RiskPoint,
    RiskWarning,
)
from warning.domain.enums import LEVEL_ALIASES, Level
from warning.domain.lifecycle import Action, DomainError
from warning.register.history import change_point
from warning.review.model import Review
from warning.review.period import Period

SHARE_TOLERANCE = 0.10
SHARE_MIN_POINTS = 10
RETURNS_CALLING_FOR_MEASURES = 2
MIN_REASON = 2
REGISTER = "register"
RAISED = {Level.LOW: Level.MEDIUM, Level.MEDIUM: Level.HIGH}


class SuggestionKind(StrEnum):
    """What a review suggests doing to the register."""

    RAISE_LEVEL = "raise_level"
    REVIEW_MEASURES = "review_measures"
    REVIEW_STALE = "review_stale"
    REGISTER_SHARE = "register_share"

    @property
    def label(self) -> str:
        return {"raise_level": "提高风险等级", "review_measures": "复核防控措施",
                "review_stale": "复核久未复核的风险点",
                "register_share": "调整高等级风险点比例"}[self.value]


class Decision(StrEnum):
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class SuggestionError(DomainError):
    code = "suggestion_refused"


class SuggestionDecided(SuggestionError):
    code = "already_decided"


@dataclass(frozen=True)
class Suggestion:
    """One suggestion, why it is made, and the office's answer if it has one."""

    kind: SuggestionKind
    subject: str  # a risk point code, or REGISTER
    name: str
    why: str
    decision: ReviewDecision | None = None


def _returned_points(session: Session, period: Period) -> dict[str, int]:
    """Count, per point, the records returned in the quarter."""
    stmt = (
        select(RiskPoint.code, func.count(HandlingEvent.record_id.distinct()))
        .join(HandlingRecord, HandlingRecord.id == HandlingEvent.record_id)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .where(HandlingEvent.action == Action.RETURN.value, period.holds(HandlingEvent.created_at))
        .group_by(RiskPoint.code)
    )
    return {code: count for code, count in session.execute(stmt)
            if count >= RETURNS_CALLING_FOR_MEASURES}


def suggestions(session: Session, review: Review, period: Period) -> list[Suggestion]:
    """Return the quarter's suggestions with their decisions; `review` is of every department."""
    found: dict[tuple[SuggestionKind, str], Suggestion] = {}

    def add(kind: SuggestionKind, code: str, name: str, why: str) -> None:
        found.setdefault((kind, code), Suggestion(kind, code, name, why))

    for point in review.hot_risk_points:
        why = f"本季度预警 {point.warnings} 件，上季度 {point.previous_quarter} 件"
        if point.advice == "raise_level":
            add(SuggestionKind.RAISE_LEVEL, point.code, point.name, why)
        elif point.advice == "new_measures":
            add(SuggestionKind.REVIEW_MEASURES, point.code, point.name, why + "，已为高等级")
    names = dict(session.execute(select(RiskPoint.code, RiskPoint.name)).all())
    for code, count in _returned_points(session, period).items():
        add(SuggestionKind.REVIEW_MEASURES, code, names.get(code, code),
            f"本季度 {count} 件处置记录被退回整改")
    for point in review.stale_risk_points:
        add(SuggestionKind.REVIEW_STALE, point.code, point.name,
            f"上次复核：{point.reviewed_on.isoformat() if point.reviewed_on else '从未复核'}")
    coverage = review.trends.coverage if review.trends else None
    if (coverage is not None and coverage.high_share is not None
            and coverage.points >= SHARE_MIN_POINTS
            and abs(coverage.high_share - coverage.target_share) > SHARE_TOLERANCE):
        add(SuggestionKind.REGISTER_SHARE, REGISTER, "风险点清单",
            f"高等级 {coverage.high} 个，占 {coverage.high_share:.0%}，参考比例约 "
            f"{coverage.target_share:.0%}")
    decided = {(d.kind, d.subject): d for d in session.scalars(
        select(ReviewDecision).where(ReviewDecision.quarter == str(period.quarter)))}
    listed = [Suggestion(s.kind, s.subject, s.name, s.why, decided.pop((s.kind.value,
                                                                      s.subject), None))
              for s in found.values()]
    # A decision stays listed after accepting it changed the figures that made it.
    return listed + [
        Suggestion(SuggestionKind(d.kind), d.subject, names.get(d.subject, d.subject),
                   "已处理", d) for d in decided.values()
    ]


def decide(
    session: Session, *, review: Review, period: Period, kind: SuggestionKind, subject: str,
    decision: Decision, reason: str, actor: str, today: date, now: datetime,
) -> ReviewDecision:
    """Record the office's answer; accepting changes the register through its history."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise SuggestionError("请填写理由（至少 2 个字）", "a reason is required", field="reason")
    current = {(s.kind, s.subject): s for s in suggestions(session, review, period)}
    suggestion = current.get((kind, subject))
    if suggestion is None:
        raise SuggestionError(f"本季度没有“{kind.label}：{subject}”这条建议",
                              f"no {kind.value} suggestion for {subject} this quarter",
                              field="subject")
    if suggestion.decision is not None:
        raise SuggestionDecided("这条建议已处理过", "this suggestion was already decided")
    row = ReviewDecision(quarter=str(period.quarter), kind=kind.value, subject=subject,
                         decision=decision.value, reason=reason, actor=actor, decided_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise SuggestionDecided("这条建议已处理过",
                                "this suggestion was already decided") from None
    if decision is Decision.ACCEPTED and subject != REGISTER:
        _apply(session, kind, subject, actor=actor, reason=reason, today=today,
               source=f"review:{period.quarter}:{kind.value}")
    return row


def _apply(session: Session, kind: SuggestionKind, code: str, *, actor: str, reason: str,
           today: date, source: str) -> None:
    point = session.scalars(select(RiskPoint).where(RiskPoint.code == code)).one()
    changes: dict[str, object] = {"reviewed_on": today}
    if kind is SuggestionKind.RAISE_LEVEL:
        level = LEVEL_ALIASES.get(point.level)
        if level in RAISED:
            changes["level"] = RAISED[level].value
    change_point(session, point, changes, actor=actor, reason=reason, source=source)
