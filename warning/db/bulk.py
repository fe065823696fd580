"""Insert many rows at once: COPY on PostgreSQL, the driver's executemany on SQLite.

An escalation run writes an event and about three notices per overdue record. With
SQLAlchemy's executemany (psycopg's pipeline) a row cost ~36 µs on PostgreSQL, most of
the overdue scan's 2.3 s for 10,000 records; COPY takes a fraction of that. On SQLite,
intake writes ~88 rows per signal that matches 14 rules, and SQLAlchemy's per-row
parameter handling (`construct_params`, a bind processor call per value) cost more than
SQLite's own work (5.3 s of 13.3 s profiled for 1,000 signals): here the values are
processed once per distinct value and handed to sqlite3 as tuples. Either way, values go
through each column's bind processing as SQLAlchemy would apply it (UTC datetimes, JSON).
"""

from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert, text
from sqlalchemy.dialects import postgresql, sqlite

from warning.db.bulk_unnest import unnest_returning
from warning.db.bulk_values import copy_processor, scalar_defaults, value_tuples

COPY_FROM = 200  # fewer rows: executemany's round trips cost less than setting up a COPY
SQLITE_PARAMETERS = 30_000  # per multi-row VALUES statement (SQLite allows 32,766 or more)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table` in the current transaction."""
    if not rows:
        return
    keys = list(rows[0])
    _insert(conn, table, keys, [itemgetter(k) for k in keys], rows, mappings=True)


def insert_tuples(
    conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """`insert_many` for rows given as tuples of the `keys` columns (cheaper to build than
    a dict per row)."""
    if rows:
        _insert(conn, table, keys, [itemgetter(i) for i in range(len(keys))], rows,
                mappings=False)


def _insert(
    conn: Connection, table: Table, keys: Sequence[str], getters: Sequence[Callable[[Any], Any]],
    rows: Sequence[Any], *, mappings: bool,
) -> None:
    dialect = conn.dialect.name
    filled = scalar_defaults(table, dict.fromkeys(keys))
    if filled is None or dialect not in ("postgresql", "sqlite") or (
        dialect == "postgresql" and (len(rows) < COPY_FROM or conn.dialect.is_async)
    ):  # (None: a Python default to call, which SQLAlchemy knows how to; async: the
        # driver's COPY cannot run from sync code, see _returning)
        conn.execute(insert(table), list(rows) if mappings else [
            dict(zip(keys, row, strict=True)) for row in rows])
        return
    columns = [table.c[key] for key in [*keys, *filled]]
    if dialect == "sqlite":
        conn.exec_driver_sql(_insert_sql(conn, table, columns, 1),
                             value_tuples(conn, columns, getters, filled, rows))
        return
    process = [copy_processor(column.type, conn.dialect) for column in columns]
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in columns)
    statement = f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    driver = conn.connection.driver_connection
    constants = list(filled.values())
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = [*(get(row) for get in getters), *constants]
            copy.write_row([p(v) if p else v for p, v in zip(process, values, strict=True)])


def insert_returning(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str], *, on_conflict: str = "",
) -> list[tuple[Any, ...]]:
    """Insert `rows` and return the `returning` columns of each row inserted (in no set
    order: return a key to match them). `on_conflict` is the SQL of an ON CONFLICT clause
    (same text on SQLite and PostgreSQL); rows it skips return nothing."""
    if not rows:
        return []
    keys = list(rows[0])
    return _returning(conn, table, keys, [itemgetter(k) for k in keys], rows, returning,
                      on_conflict)


def insert_tuples_returning(
    conn: Connection, table: Table, keys: Sequence[str], rows: Sequence[tuple[Any, ...]],
    returning: Sequence[str], *, on_conflict: str = "",
) -> list[tuple[Any, ...]]:
    """`insert_returning` for rows given as tuples of the `keys` columns (cheaper to build
    than a dict per row)."""
    if not rows:
        return []
    return _returning(conn, table, keys, [itemgetter(i) for i in range(len(keys))], rows,
                      returning, on_conflict)


def _returning(
    conn: Connection, table: Table, keys: Sequence[str], getters: Sequence[Callable[[Any], Any]],
    rows: Sequence[Any], returning: Sequence[str], on_conflict: str,
) -> list[tuple[Any, ...]]:
    filled = scalar_defaults(table, dict.fromkeys(keys))
    # An API route's session on PostgreSQL runs on the asyncio engine (warning.web.db_work):
    # its psycopg connection is an AsyncConnection whose cursor cannot be used from this sync
    # code (POST /api/signals/{id}/triage, decision warn, answered 500); SQLAlchemy's own
    # statements can, and such a route inserts a few rows.
    if conn.dialect.name == "postgresql" and filled is not None and not conn.dialect.is_async:
        return unnest_returning(conn, table, keys, getters, filled, rows, returning,
                                on_conflict)
    if conn.dialect.name != "sqlite" or filled is None:
        mappings = [{key: get(row) for key, get in zip(keys, getters, strict=True)}
                    for row in rows]
        return _core_returning(conn, table, mappings, returning, on_conflict)
    columns = [table.c[key] for key in [*keys, *filled]]
    per_statement = max(1, SQLITE_PARAMETERS // len(columns))
    quote = conn.dialect.identifier_preparer.quote
    tail = f" {on_conflict}" if on_conflict else ""
    tail += " RETURNING " + ", ".join(quote(table.c[c].name) for c in returning)
    values = value_tuples(conn, columns, getters, filled, rows)
    # plain values (ids, keys) come back as the driver's tuples: a Row each cost ~3 µs
    raw = all(table.c[c].type._cached_result_processor(conn.dialect, None) is None
              for c in returning)
    out: list[tuple[Any, ...]] = []
    for at in range(0, len(values), per_statement):
        chunk = values[at : at + per_statement]
        flat = tuple(chain.from_iterable(chunk))
        result = conn.exec_driver_sql(_insert_sql(conn, table, columns, len(chunk)) + tail, flat)
        if raw:
            out.extend(result.cursor.fetchall())  # type: ignore[union-attr]
            result.close()
        else:
            out.extend(tuple(row) for row in result)
    return out


def _core_returning(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str], on_conflict: str,
) -> list[tuple[Any, ...]]:
    """Insert through SQLAlchemy (PostgreSQL, or a callable default on SQLite)."""
    if not on_conflict:
        result = conn.execute(insert(table).returning(*(table.c[c] for c in returning)),
                              list(rows))
        return [tuple(row) for row in result]
    if not on_conflict.startswith("ON CONFLICT (") or "DO NOTHING" not in on_conflict:
        raise ValueError(f"unsupported conflict clause: {on_conflict}")
    target, _, rest = on_conflict.removeprefix("ON CONFLICT (").partition(")")
    where = rest.split("DO NOTHING")[0].strip().removeprefix("WHERE").strip()
    make = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = make(table).on_conflict_do_nothing(
        index_elements=[name.strip() for name in target.split(",")],
        index_where=text(where) if where else None,
    ).returning(*(table.c[c] for c in returning))
    return [tuple(row) for row in conn.execute(stmt, list(rows))]


def _insert_sql(conn: Connection, table: Table, columns: Sequence[Any], rows: int) -> str:
    """Return `INSERT INTO t (a, b) VALUES (?, ?), …` for `rows` rows."""
    prepare = conn.dialect.identifier_preparer
    names = ", ".join(prepare.quote(column.name) for column in columns)
    one = "(" + ", ".join("?" for _ in columns) + ")"
    return f"INSERT INTO {prepare.format_table(table)} ({names}) VALUES " + ", ".join(
        [one] * rows
    )


