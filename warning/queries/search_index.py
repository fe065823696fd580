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
from typing import Any

from sqlalchemy import Integer, Select, column, select, table, text
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import Signal

BATCH = 2_000  # signals indexed per transaction: ~0.1 s of the write lock
# The newest signals are read with LIKE before the index is asked (1,000: ~1.5 ms of CPU): a
# common word fills the page from them, as a plain scan did, without reading its long
# candidate list (采购's two-character expansion alone cost ~10 ms at 100,000 signals).
WINDOW = 1_000
_LAST = chr(0x10FFFF)
_fts = table("signals_search", column("rowid", Integer), column("signals_search"))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def servable(q: str) -> bool:
    """Return whether the index can propose candidates for `q`: two characters or more, no
    control character (the sentinel is one), and in a two-character query no cased letter
    beyond ASCII (whose folding in SQLite's tokenizer this code does not repeat)."""
    if len(q) < 2 or any(c < " " for c in q):  # U+0001 ends every indexed column
        return False
    return len(q) > 2 or not any(not c.isascii() and c.lower() != c.upper() for c in q)


def scan_above(session: Session, q: str) -> int | None:
    """Return the id above which the search reads every signal with LIKE: the watermark, or
    the newest WINDOW signals if lower; None when the index does not serve `q` (not SQLite,
    or not `servable`)."""
    if session.get_bind().dialect.name != "sqlite" or not servable(q):
        return None
    up_to, newest = session.execute(text(
        "SELECT indexed_up_to, (SELECT max(id) FROM signals) FROM signals_search_state "
        "WHERE id = 1")).one()
    return min(int(up_to), int(newest or 0) - WINDOW)


def match_expression(session: Session, q: str) -> str:
    """Return the FTS5 expression that proposes the indexed signals holding `q` ("": none
    can): every trigram of `q`, or for two characters any trigram beginning with them."""
    if len(q) > 2:
        return " AND ".join(map(_quoted, dict.fromkeys(q[i:i + 3] for i in range(len(q) - 2))))
    start = q.lower()  # the tokenizer folds ASCII like this; `q` has no other cased letter
    terms = session.execute(text(
        "SELECT term FROM signals_search_terms WHERE term >= :start AND term < :end"),
        {"start": start, "end": start + _LAST}).scalars().all()
    return " OR ".join(map(_quoted, terms))


def newest_matching(session: Session, query: Select[Any], q: str, limit: int
                    ) -> Sequence[Any]:
    """Run `query` (signals matching `q` exactly, as its reader may see them) for its
    `limit` newest rows, reading the index's candidates only where the newest signals
    did not fill the page."""
    newest_first = Signal.id.desc()
    above = scan_above(session, q)
    if above is None:
        return list(session.execute(query.order_by(newest_first).limit(limit)))
    rows = list(session.execute(
        query.where(Signal.id > above).order_by(newest_first).limit(limit)))
    if len(rows) < limit and (match := match_expression(session, q)):
        rows += session.execute(
            query.where(Signal.id <= above, Signal.id.in_(select_candidates(match)))
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
            up_to = session.execute(text("SELECT indexed_up_to FROM signals_search_state "
                                         "WHERE id = 1")).scalar_one()
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
