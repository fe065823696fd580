"""A trigram index for the search box on SQLite (FTS5); nothing on PostgreSQL (pg_trgm, 0007j).

Revision ID: 0009a
Revises: 0008b
Create Date: 2026-12-02 02:40:00.000000

`signals_search` is a contentless FTS5 table (trigram tokenizer, detail=none: which rows
hold a trigram, not where) over one body per signal: title, external id and text, each
followed by a sentinel character (U+0001) so that a word at the very end of a column still
begins a trigram — a two-character query is answered by the trigrams that begin with it,
found in `signals_search_terms` (fts5vocab). It only proposes candidates; the search keeps
its exact LIKE and every visibility clause (warning.queries.search_index).

Inserts are not indexed by trigger: tokenising a signal costs ~40 µs of CPU, half again the
~84 µs a batch import spends on a signal that matches nothing (issue 13 wants 5,000/s).
The index covers the signals up to `signals_search_state.indexed_up_to`; a scheduled job
indexes the newer ones in batches, and the search reads that tail with LIKE. Triggers keep
rows under the watermark right when their words change, are deleted, or an insert reuses
an id below it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009a"
down_revision: str | None = "0008b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATERMARK = "(SELECT indexed_up_to FROM signals_search_state WHERE id = 1)"


def body(row: str) -> str:
    """Return the SQL of the indexed body of signal `row` (a table alias, `old` or `new`)."""
    return " || ".join(f"coalesce({row}.{name}, '') || char(1)"
                       for name in ("title", "external_id", "text"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE signals_search USING fts5("
               "body, tokenize='trigram', content='', detail='none')")
    op.execute("CREATE VIRTUAL TABLE signals_search_terms USING fts5vocab(signals_search, 'row')")
    op.execute("CREATE TABLE signals_search_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "indexed_up_to INTEGER NOT NULL)")
    op.execute(f"CREATE VIEW signals_search_body AS SELECT s.id AS id, {body('s')} AS body "
               "FROM signals AS s")
    op.execute("INSERT INTO signals_search(rowid, body) SELECT id, body FROM signals_search_body")
    op.execute("INSERT INTO signals_search_state (id, indexed_up_to) "
               "SELECT 1, coalesce(max(id), 0) FROM signals")
    op.execute("INSERT INTO signals_search(signals_search) VALUES ('optimize')")
    remove = ("INSERT INTO signals_search(signals_search, rowid, body) "
              f"SELECT 'delete', old.id, {body('old')} WHERE old.id <= {WATERMARK};")
    add = (f"INSERT INTO signals_search(rowid, body) SELECT new.id, {body('new')} "
           f"WHERE new.id <= {WATERMARK};")
    op.execute(f"CREATE TRIGGER signals_search_insert AFTER INSERT ON signals "
               f"WHEN new.id <= {WATERMARK} BEGIN {add} END")
    op.execute("CREATE TRIGGER signals_search_update AFTER UPDATE OF id, title, external_id, "
               f"text ON signals BEGIN {remove} {add} END")
    op.execute(f"CREATE TRIGGER signals_search_delete AFTER DELETE ON signals "
               f"WHEN old.id <= {WATERMARK} BEGIN {remove} END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS signals_search_{trigger}")
    op.execute("DROP VIEW IF EXISTS signals_search_body")
    op.execute("DROP TABLE IF EXISTS signals_search_state")
    op.execute("DROP TABLE IF EXISTS signals_search_terms")
    op.execute("DROP TABLE IF EXISTS signals_search")
