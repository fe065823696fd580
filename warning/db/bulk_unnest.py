"""PostgreSQL: insert many rows and return columns of each, in a few statements.

`INSERT … SELECT … FROM unnest(%s::type[], …) … RETURNING` sends each column as one array
parameter, so a batch of thousands of rows is one statement whose text never changes
(parsed and planned once, then prepared by psycopg). One short INSERT a row in a pipeline,
as before, cost the server a statement each: 144,000 of them (a warning and a record per
new warning) took about 13 of the 22 s that 5,000 signals matching 14 rules each took to
import.

Rows go in in the order given (WITH ORDINALITY), so two writers inserting the same keys
lock them in the same order.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from warning.db.bulk_values import copy_processor

ROWS_PER_STATEMENT = 5_000  # arrays of this many values a column; a few MB at most


def unnest_returning(
    conn: Connection, table: Table, keys: Sequence[str], getters: Sequence[Callable[[Any], Any]],
    filled: Mapping[str, Any], rows: Sequence[Any], returning: Sequence[str], on_conflict: str,
) -> list[tuple[Any, ...]]:
    """Insert `rows` (read by `getters` into the `keys` columns, `filled` the constant
    rest) and return the `returning` columns of the rows inserted, processed as SQLAlchemy
    would read them."""
    columns = [table.c[key] for key in [*keys, *filled]]
    statement = _statement(conn, table, columns, returning, on_conflict)
    process = [copy_processor(column.type, conn.dialect) for column in columns]
    constants = list(filled.values())
    out: list[tuple[Any, ...]] = []
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        for at in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[at : at + ROWS_PER_STATEMENT]
            arrays = [list(map(get, chunk)) for get in getters]
            arrays += [[constant] * len(chunk) for constant in constants]
            arrays = [list(map(p, values)) if p else values
                      for p, values in zip(process, arrays, strict=True)]
            cursor.execute(statement, arrays)
            out.extend(cursor.fetchall())
    results = [table.c[c].type._cached_result_processor(conn.dialect, None) for c in returning]
    if any(results):  # ids and keys need nothing
        out = [tuple(p(v) if p else v for p, v in zip(results, row, strict=True))
               for row in out]
    return out


def _statement(
    conn: Connection, table: Table, columns: Sequence[Any], returning: Sequence[str],
    on_conflict: str,
) -> str:
    prepare = conn.dialect.identifier_preparer
    names = [prepare.quote(column.name) for column in columns]
    arrays = ", ".join(f"%b::{column.type.compile(dialect=conn.dialect)}[]"
                       for column in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    tail = f" {on_conflict}" if on_conflict else ""
    tail += " RETURNING " + ", ".join(prepare.quote(table.c[c].name) for c in returning)
    return (f"INSERT INTO {prepare.format_table(table)} ({', '.join(names)}) "
            f"SELECT {aliases} FROM unnest({arrays}) WITH ORDINALITY AS u({aliases}, n) "
            f"ORDER BY n{tail}")
