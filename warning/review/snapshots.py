"""Stored reviews (定稿): what was handed in for a quarter, and what has changed since.

A review reads live records, so a late edit to a record changes a past quarter's figures.
A snapshot keeps the figures of every department as they were when stored: the scheduler
stores the quarter just ended once (any number of schedulers: the unique `once_key` makes
the second insert a no-op), and the office can store one by hand whenever it hands the
review in (once per figures and note: the same form sent twice stores one).
Comparing a snapshot with the figures now lists each figure that moved.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import ReviewSnapshot
from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import DomainError
from warning.domain.quarter import Quarter
from warning.review.figures import build_review
from warning.review.model import Review
from warning.review.workbook import SUMMARY_ROWS

log = logging.getLogger(__name__)
SCHEDULED, FINAL = "scheduled", "final"
KIND_LABELS = {SCHEDULED: "季度结束自动存档", FINAL: "定稿"}
SYSTEM_ACTOR = "system:review"
DEPARTMENT_COLUMNS = (("warnings", "新下达预警"), ("closed", "办结"),
                      ("closed_on_time", "按期办结"), ("closed_late", "逾期办结"),
                      ("overdue", "逾期"), ("returned", "退回"), ("withdrawn", "撤销"))


class QuarterNotStarted(DomainError):
    """A 定稿 asked for a quarter that has not begun: there is nothing to hand in."""

    code = "quarter_not_started"


@dataclass(frozen=True)
class FigureChange:
    """One figure as stored and as it reads now."""

    figure: str
    stored: float | None
    now: float | None


def _figures(session: Session, quarter: Quarter, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    review = build_review(session, principal=None, quarter=quarter, now=now, tz=tz)
    return review.model_dump(mode="json")


def store_final(
    session: Session, *, quarter: Quarter, actor: str, now: datetime | None = None,
    tz: ZoneInfo = SHANGHAI, note: str = "",
) -> ReviewSnapshot:
    """Store the quarter's review of every department as handed in by `actor` (定稿).

    The same figures with the same note, after the same newest 定稿, are stored once: a form
    sent twice (a double click, two tabs, a retry) gets the 定稿 already stored instead of a
    second copy, while handing in A, then B, then A again stores A anew as the newest."""
    moment = now or datetime.now(UTC)
    if quarter.starts_at(tz) > moment:
        raise QuarterNotStarted(f"{quarter.label}尚未开始，不能定稿存档",
                                f"{quarter} has not started: nothing to store",
                                field="quarter")
    figures = _figures(session, quarter, moment, tz)
    newest = session.scalars(
        select(ReviewSnapshot)
        .where(ReviewSnapshot.quarter == str(quarter), ReviewSnapshot.kind == FINAL)
        .order_by(ReviewSnapshot.stored_at.desc(), ReviewSnapshot.id.desc()).limit(1)).first()
    if newest is not None and newest.note == note and (
            _without_cutoff(newest.figures) == _without_cutoff(figures)):
        return newest  # sent again after the first was stored
    key = _final_key(quarter, figures, note, after=newest.id if newest is not None else 0)
    _insert_once(session, quarter=str(quarter), kind=FINAL, once_key=key, figures=figures,
                 stored_at=moment, stored_by=actor, note=note)
    return session.scalars(select(ReviewSnapshot).where(ReviewSnapshot.once_key == key)).one()


def _final_key(quarter: Quarter, figures: dict[str, Any], note: str, *, after: int) -> str:
    """Return the once-key of a 定稿: its quarter and a digest of its figures and note (the
    moment the figures were read, `cutoff`, left out) and of the newest 定稿 it follows
    (`after`: its id, 0 for none), so requests sent at once, which read the same newest,
    store one."""
    body = json.dumps([_without_cutoff(figures), note, after], sort_keys=True,
                      ensure_ascii=False)
    return f"{quarter}:{FINAL}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def _without_cutoff(value: Any) -> Any:
    """Return figures (as JSON) without the moment they were read."""
    if isinstance(value, dict):
        return {k: _without_cutoff(v) for k, v in value.items() if k != "cutoff"}
    if isinstance(value, list):
        return [_without_cutoff(v) for v in value]
    return value


def _insert_once(session: Session, **values: Any) -> bool:
    """Insert a snapshot unless one with its once-key exists; tell whether it was inserted."""
    if session.scalar(select(ReviewSnapshot.id)
                      .where(ReviewSnapshot.once_key == values["once_key"])):
        return False
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (module.insert(ReviewSnapshot).values(**values)
            .on_conflict_do_nothing(index_elements=["once_key"])
            .returning(ReviewSnapshot.id))
    return session.execute(stmt).first() is not None


def store_scheduled(
    session: Session, *, quarter: Quarter, now: datetime, tz: ZoneInfo = SHANGHAI,
) -> bool:
    """Store the scheduler's snapshot of `quarter` unless one is stored; tell whether it was."""
    key = f"{quarter}:{SCHEDULED}"
    if session.scalar(select(ReviewSnapshot.id).where(ReviewSnapshot.once_key == key)):
        return False
    return _insert_once(session, quarter=str(quarter), kind=SCHEDULED, once_key=key,
                        figures=_figures(session, quarter, now, tz), stored_at=now,
                        stored_by=SYSTEM_ACTOR, note="")


def store_finished_quarter(
    sessions: sessionmaker[Session], *, now: datetime | None = None,
    timezone: str = "Asia/Shanghai",
) -> bool:
    """Store the review of the quarter before `now` once (the scheduler runs this daily)."""
    moment = now or datetime.now(UTC)
    tz = ZoneInfo(timezone)
    finished = Quarter.containing(moment, tz).previous()
    with transaction(sessions) as session:
        stored = store_scheduled(session, quarter=finished, now=moment, tz=tz)
    if stored:
        log.debug("stored the review of %s", finished)
    return stored


def snapshots_of(session: Session, quarter: Quarter) -> list[ReviewSnapshot]:
    """Return the quarter's stored reviews, newest first."""
    return list(session.scalars(
        select(ReviewSnapshot).where(ReviewSnapshot.quarter == str(quarter))
        .order_by(ReviewSnapshot.stored_at.desc(), ReviewSnapshot.id.desc())
    ))


def _names(rows: list[dict[str, Any]], code: str) -> list[str]:
    """Return each row's name, with its code where another row has the same name: names
    of departments and channels are not unique, and one row's figures must not take the
    place of its namesake's."""
    names = [row["name"] for row in rows]
    return [f"{name}（{row[code] or '—'}）" if names.count(name) > 1 else name
            for name, row in zip(names, rows, strict=True)]


def flat_figures(review: dict[str, Any]) -> dict[str, float]:
    """Return every count of a review (as JSON) under a Chinese name, in the page's order."""
    flat: dict[str, float] = {label: review["summary"][key] for key, label in SUMMARY_ROWS}
    channels = review["signals_by_channel"]
    for channel, name in zip(channels, _names(channels, "channel"), strict=True):
        flat[f"信号·{name}"] = channel["signals"]
        flat[f"信号·{name}·引发预警"] = channel["raised"]
    departments = review["warnings_by_department"]
    for department, name in zip(departments, _names(departments, "department"), strict=True):
        for key, label in DEPARTMENT_COLUMNS:
            flat[f"{name}·{label}"] = department[key]
    for dimension, name in (("warnings_by_category", "风险类别"),
                            ("warnings_by_level", "风险等级"),
                            ("warnings_by_response", "处置措施")):
        for bucket in review[dimension]:
            flat[f"预警·{name}·{bucket['label']}"] = bucket["warnings"]
    for point in review["hot_risk_points"]:
        flat[f"风险点 {point['code']}·本季度预警"] = point["warnings"]
    timings = (review.get("trends") or {}).get("timings") or {}
    for key, label in (("receipt_median_hours", "下达至签收中位数（小时）"),
                       ("closure_median_hours", "下达至办结中位数（小时）"),
                       ("return_rate", "退回率")):
        if key in timings:
            flat[label] = timings[key]
    return flat


def differences(stored: dict[str, Any], now: Review | dict[str, Any]) -> list[FigureChange]:
    """List each figure whose value differs between a stored review and `now`."""
    current = now.model_dump(mode="json") if isinstance(now, Review) else now
    before, after = flat_figures(stored), flat_figures(current)
    names = list(before) + [name for name in after if name not in before]
    return [FigureChange(name, before.get(name), after.get(name))
            for name in names if before.get(name) != after.get(name)]
