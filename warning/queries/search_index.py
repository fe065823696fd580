"""SQLite's search index (migration 0009a): trigram candidates for the search box, and the
job that indexes new signals in batches.

The index only narrows: a signal it proposes still passes the search's exact LIKE and its
visibility clauses, so results are those of a plain scan (tests/integration/
test_search_index.py compares them on random queries). It folds case more widely than
LIKE (Unicode, not just ASCII), which only proposes more. Signals past the watermark
`indexed_up_to` are not in it yet; the search reads them with LIKE, newest first.
At 100,000 signals a rare word's candidates take under 1 ms; a LIKE scan of every text
took 120 ms of CPU (bench/RESULTS.md, session 6).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, column, select, table, text
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import Signal

SENTINEL = "\x01"  # ends every indexed column (migration 0009a)
BATCH = 2_000  # signals indexed per transaction: ~0.1 s of the write lock
_LAST = chr(0x10FFFF)
_fts = table("signals_search", column("rowid", Integer), column("signals_search"))


@dataclass(frozen=True)
class Prefilter:
    """The index's answer for one query: the rows it covers, and its MATCH expression
    ("" when no indexed row can match)."""

    up_to: int
    match: str


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _watermark(session: Session) -> int | None:
    if session.get_bind().dialect.name != "sqlite":
        return None
    found = session.execute(text(
        "SELECT indexed_up_to FROM signals_search_state WHERE id = 1")).scalar()
    return None if found is None else int(found)


def _two_characters(session: Session, q: str) -> str | None:
    """Return the trigrams that begin with `q` ORed, "" if none; None if the index cannot
    fold `q` as SQLite does (a cased letter beyond ASCII)."""
    if any(not c.isascii() and c.lower() != c.upper() for c in q):
        return None
    start = q.lower()  # the tokenizer folds ASCII like this; `q` has no other cased letter
    terms = session.execute(text(
        "SELECT term FROM signals_search_terms WHERE term >= :start AND term < :end"),
        {"start": start, "end": start + _LAST}).scalars().all()
    return " OR ".join(_quoted(term) for term in terms)


def prefilter(session: Session, q: str) -> Prefilter | None:
    """Return the index's candidates for the substring `q`, or None to scan without it (not
    SQLite, or a query the index cannot serve: control characters, one character)."""
    if len(q) < 2 or any(c < " " for c in q):  # the sentinel is a control character
        return None
    up_to = _watermark(session)
    if up_to is None:
        return None
    if len(q) == 2:
        match = _two_characters(session, q)
        return None if match is None else Prefilter(up_to, match)
    trigrams = dict.fromkeys(q[i:i + 3] for i in range(len(q) - 2))
    return Prefilter(up_to, " AND ".join(map(_quoted, trigrams)))


def newest_matching(session: Session, query: Select[Any], q: str, limit: int
                    ) -> Sequence[Any]:
    """Run `query` (signals matching `q` exactly, as its reader may see them) for its
    `limit` newest rows, reading only the index's candidates below the watermark."""
    newest_first = Signal.id.desc()
    found = prefilter(session, q)
    if found is None:
        return list(session.execute(query.order_by(newest_first).limit(limit)))
    rows = list(session.execute(
        query.where(Signal.id > found.up_to).order_by(newest_first).limit(limit)))
    if len(rows) < limit and found.match:
        candidates = select_candidates(found.match)
        rows += session.execute(
            query.where(Signal.id <= found.up_to, Signal.id.in_(candidates))
            .order_by(newest_first).limit(limit - len(rows)))
    return rows


def select_candidates(match: str) -> Select[Any]:
    """Return the ids of the indexed signals that `match` (an FTS5 expression) selects."""
    return select(_fts.c.rowid).where(_fts.c.signals_search.op("MATCH")(match))


def index_new_signals(sessions: sessionmaker[Session], batch: int = BATCH) -> int:
    """Index the signals past the watermark, `batch` per transaction; return how many."""
    indexed = 0
    while True:
        with transaction(sessions) as session:
            if session.get_bind().dialect.name != "sqlite":
                return indexed
            # A write first: it takes the write lock, so two runs cannot index one row twice.
            session.execute(text("UPDATE signals_search_state SET indexed_up_to = "
                                 "indexed_up_to WHERE id = 1"))
            up_to = _watermark(session) or 0
            ids = session.execute(text(
                "SELECT id FROM signals WHERE id > :up_to ORDER BY id LIMIT :batch"),
                {"up_to": up_to, "batch": batch}).scalars().all()
            if not ids:
                return indexed
            session.execute(text(
                "INSERT INTO signals_search(rowid, body) SELECT id, body FROM "
                "signals_search_body WHERE id > :up_to AND id <= :last"),
                {"up_to": up_to, "last": ids[-1]})
            session.execute(text("UPDATE signals_search_state SET indexed_up_to = :last "
                                 "WHERE id = 1"), {"last": ids[-1]})
            indexed += len(ids)
