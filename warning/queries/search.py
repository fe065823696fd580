"""Find anything (搜索): signals by title and text, warnings by risk point, subject and
department — each through the same visibility as its list.

A confidential signal's text is searched only for those who may read it: a reviewer who
sees a petition's title must not learn its words by probing the search box, and a
department never finds a petition at all. A warning's hidden subject is not matched either.
On PostgreSQL, trigram indexes (migrations 0007j, 0008c) serve the substring match; on
SQLite, an FTS5 trigram table proposes the signals to check (warning.queries.search_index).
"""

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import (
    confidential_channel_ids,
    reads_confidential_text,
    subject_hidden,
    visible_signals,
    visible_warnings,
)
from warning.db.models import Channel, Department, HandlingRecord, RiskPoint, RiskWarning, Signal
from warning.queries.search_index import newest_matching
from warning.queries.warnings import NEWEST_FIRST

MIN_LENGTH, MAX_LENGTH, LIMIT = 2, 100, 50


@dataclass
class SearchResults:
    """What a search found, as its reader may see it."""

    q: str
    problem: str = ""
    signals: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)


def _pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def caseless(q: str) -> bool:
    """Return whether `q` has no character that case folding could change or match: only
    letters without case (CJK: Lo), digits, punctuation, symbols and spaces."""
    return all(unicodedata.category(c) == "Lo" or unicodedata.category(c)[0] in "NPSZ"
               for c in q)


def _matcher(session: Session, q: str) -> Any:
    """Return the case-insensitive substring match for the session's database.

    SQLite's LIKE already ignores ASCII case (and its lower() folds nothing else), so ILIKE's
    lower(x) LIKE lower(y) only copied every text: plain LIKE scans 100,000 signals about
    3.5x faster (bench/page_bench.py). On PostgreSQL the trigram indexes serve LIKE and
    ILIKE alike; a query with no cased character (a Chinese word) uses LIKE, which finds
    the same rows without lower-casing each text; a two-character word, which no trigram
    index can serve, is found with strpos (a plain substring search): the office's scan of
    100,000 signals took 432 ms with ILIKE, 98 ms with LIKE and 40 ms with strpos.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not sqlite and caseless(q) and len(q) < 3:  # no trigram to look up: every text is read
        return lambda column, _pattern: func.strpos(column, q) > 0
    if sqlite or caseless(q):
        return lambda column, pattern: column.like(pattern, escape="\\")
    return lambda column, pattern: column.ilike(pattern, escape="\\")


def _warning_matches(session: Session, q: str, pattern: str, hidden: Any) -> Any:
    """Return the condition that a warning's risk point, department or shown subject matches.

    On SQLite the few matching risk points and departments are found first, so that each
    warning is checked on its own columns before any join: the office's rare word took
    36 -> 9 ms over 20,000 warnings. PostgreSQL's planner did worse with that form for a
    department's reader (a common word 12 -> 69 ms), so it keeps the joined columns.
    """
    like = _matcher(session, q)
    subject = and_(like(RiskWarning.subject_name, pattern), ~hidden)
    if session.get_bind().dialect.name != "sqlite":
        return or_(like(RiskPoint.name, pattern), like(RiskPoint.code, pattern),
                   like(Department.name, pattern), subject)
    points = select(RiskPoint.id).where(
        or_(like(RiskPoint.name, pattern), like(RiskPoint.code, pattern)))
    departments = select(Department.id).where(like(Department.name, pattern))
    return or_(RiskWarning.risk_point_id.in_(points),
               RiskWarning.department_id.in_(departments), subject)


def search(session: Session, principal: Principal | None, q: str, limit: int = LIMIT
           ) -> SearchResults:
    """Search signals and warnings `principal` may see for the text `q`."""
    q = " ".join(q.split())
    results = SearchResults(q)
    if len(q) < MIN_LENGTH or len(q) > MAX_LENGTH:
        results.problem = f"请输入 {MIN_LENGTH}–{MAX_LENGTH} 个字的关键词"
        return results
    pattern, _like = _pattern(q), _matcher(session, q)
    text_allowed = (true() if reads_confidential_text(principal)
                    else Signal.channel_id.not_in(confidential_channel_ids()))
    signals = (
        select(Signal, Channel, Department)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(or_(_like(Signal.title, pattern), _like(Signal.external_id, pattern),
                   and_(_like(Signal.text, pattern), text_allowed)))
    )
    results.signals = list(newest_matching(session, visible_signals(signals, principal), q,
                                           limit))
    hidden = subject_hidden(principal)
    warnings = (
        select(RiskWarning, RiskPoint, Department, HandlingRecord, hidden.label("hidden"))
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(_warning_matches(session, q, pattern, hidden))
    )
    results.warnings = list(session.execute(
        visible_warnings(warnings, principal).order_by(*NEWEST_FIRST).limit(limit)))
    return results
