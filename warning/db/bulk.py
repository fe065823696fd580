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
from contextlib import ExitStack
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Dialect, Table, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from warning.db.models.base import UTCDateTime

COPY_FROM = 200  # fewer rows: executemany's round trips cost less than setting up a COPY
SQLITE_PARAMETERS = 30_000  # per multi-row VALUES statement (SQLite allows 32,766 or more)

Processor = Callable[[Any], Any] | None


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
    filled = _scalar_defaults(table, dict.fromkeys(keys))
    if filled is None or dialect not in ("postgresql", "sqlite") or (
        dialect == "postgresql" and len(rows) < COPY_FROM
    ):  # (None: a Python default to call, which SQLAlchemy knows how to)
        conn.execute(insert(table), list(rows) if mappings else [
            dict(zip(keys, row, strict=True)) for row in rows])
        return
    columns = [table.c[key] for key in [*keys, *filled]]
    if dialect == "sqlite":
        conn.exec_driver_sql(_insert_sql(conn, table, columns, 1),
                             _tuples(conn, columns, getters, filled, rows))
        return
    process = [_copy_processor(column.type, conn.dialect) for column in columns]
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in columns)
    statement = f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    driver = conn.connection.driver_connection
    constants = list(filled.values())
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = [*(get(row) for get in getters), *constants]
            copy.write_row([p(v) if p else v for p, v in zip(process, values, strict=True)])


class CopyStream:
    """COPY rows into a PostgreSQL table piece by piece, one COPY held open between pieces.

    While the caller reads and checks the next piece the server is still inserting the
    last one (a COPY per piece makes each side wait for the other). The connection runs
    nothing else until `close()`; `write` after `close` opens a new COPY.
    """

    def __init__(self, conn: Connection, table: Table, keys: Sequence[str]) -> None:
        self._conn, self._table, self._keys = conn, table, list(keys)
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._filled: dict[str, Any] = {}
        self._process: list[Processor] = []

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Send `rows` (each with exactly the `keys` columns) to the open COPY."""
        if not rows:
            return
        if self._stack is None:
            self._open(rows[0])
        keys, constants, process, copy = self._keys, list(self._filled.values()), \
            self._process, self._copy
        for row in rows:
            values = [*(row[key] for key in keys), *constants]
            copy.write_row([p(v) if p else v for p, v in zip(process, values, strict=True)])

    def close(self) -> None:
        """End the COPY; raise what the server refused (a unique violation, say)."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def abort(self, error: BaseException) -> None:
        """End the COPY after `error`, so the server discards it."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.__exit__(type(error), error, error.__traceback__)

    def _open(self, first: Mapping[str, Any]) -> None:
        filled = _scalar_defaults(self._table, first)
        if filled is None:
            raise ValueError(f"{self._table.name}: a column not given has a callable default")
        self._filled = filled
        columns = [self._table.c[key] for key in [*self._keys, *filled]]
        dialect = self._conn.dialect
        self._process = [_copy_processor(column.type, dialect) for column in columns]
        names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
        table = dialect.identifier_preparer.format_table(self._table)
        driver = self._conn.connection.driver_connection
        stack = ExitStack()
        cursor = stack.enter_context(driver.cursor())  # type: ignore[union-attr]
        self._copy = stack.enter_context(cursor.copy(f"COPY {table} ({names}) FROM STDIN"))
        self._stack = stack


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
    filled = _scalar_defaults(table, dict.fromkeys(keys))
    if conn.dialect.name == "postgresql" and filled is not None:
        return _pipelined_returning(conn, table, keys, getters, filled, rows, returning,
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
    values = _tuples(conn, columns, getters, filled, rows)
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


def _pipelined_returning(
    conn: Connection, table: Table, keys: Sequence[str], getters: Sequence[Callable[[Any], Any]],
    filled: Mapping[str, Any], rows: Sequence[Any], returning: Sequence[str], on_conflict: str,
) -> list[tuple[Any, ...]]:
    """PostgreSQL: one short INSERT run for every row in a pipeline (psycopg's executemany).

    SQLAlchemy's multi-row VALUES statements (1,000 rows × 20 columns of placeholders) are
    new text each time, and psycopg rewrote each one's placeholders in Python: 1.4 s of an
    import's 7.8 s (profiled, 1,935 warnings). One short statement is parsed once.
    """
    columns = [table.c[key] for key in [*keys, *filled]]
    process = [_copy_processor(column.type, conn.dialect) for column in columns]
    prepare = conn.dialect.identifier_preparer
    names = ", ".join(prepare.quote(column.name) for column in columns)
    tail = f" {on_conflict}" if on_conflict else ""
    tail += " RETURNING " + ", ".join(prepare.quote(table.c[c].name) for c in returning)
    statement = (f"INSERT INTO {prepare.format_table(table)} ({names}) VALUES ("
                 + ", ".join(["%s"] * len(columns)) + ")" + tail)
    constants = list(filled.values())
    params = [[p(v) if p else v
               for p, v in zip(process, [*(get(row) for get in getters), *constants],
                               strict=True)]
              for row in rows]
    out: list[tuple[Any, ...]] = []
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.executemany(statement, params, returning=True)
        while True:
            out.extend(tuple(row) for row in cursor.fetchall())
            if not cursor.nextset():
                break
    results = [table.c[c].type._cached_result_processor(conn.dialect, None) for c in returning]
    if any(results):  # as SQLAlchemy would read them (ids and keys need nothing)
        out = [tuple(p(v) if p else v for p, v in zip(results, row, strict=True))
               for row in out]
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


def _scalar_defaults(table: Table, given: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the values of the Python defaults of columns not given; None if one of them
    is a function (which SQLAlchemy calls per row)."""
    filled: dict[str, Any] = {}
    for column in table.columns:
        if column.key in given or column.default is None:
            continue  # given, or left to the database (its server default, or NULL)
        if not column.default.is_scalar:
            return None
        filled[column.key] = column.default.arg  # type: ignore[attr-defined]
    return filled


def _insert_sql(conn: Connection, table: Table, columns: Sequence[Any], rows: int) -> str:
    """Return `INSERT INTO t (a, b) VALUES (?, ?), …` for `rows` rows."""
    prepare = conn.dialect.identifier_preparer
    names = ", ".join(prepare.quote(column.name) for column in columns)
    one = "(" + ", ".join("?" for _ in columns) + ")"
    return f"INSERT INTO {prepare.format_table(table)} ({names}) VALUES " + ", ".join(
        [one] * rows
    )


def _tuples(
    conn: Connection, columns: Sequence[Any], getters: Sequence[Callable[[Any], Any]],
    filled: Mapping[str, Any], rows: Sequence[Any],
) -> list[tuple[Any, ...]]:
    """Return each row's values in column order, bind-processed for the driver."""
    process = [_memoized(column.type._cached_bind_processor(conn.dialect), column.type)
               for column in columns]
    constants = [p(v) if p else v
                 for p, v in zip(process[len(getters):], filled.values(), strict=True)]
    # column by column: map() and zip() loop in C, a generator per row cost ~1 µs a value
    values: list[Any] = []
    for get, p, column_ in zip(getters, process, columns, strict=False):
        column = list(map(get, rows))
        if p is not None and isinstance(column_.type, JSON):
            p = _same_object_once(p)
        values.append(list(map(p, column)) if p else column)
    values.extend(repeat(constant, len(rows)) for constant in constants)
    return list(zip(*values, strict=False))


def _same_object_once(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Process each distinct object once (rows often share one dict), and each distinct
    list of strings once (a warning's rule ids: a batch repeats a few thousand lists).
    Keyed by id() otherwise: safe only while the rows, which hold every value, are alive,
    as in one call."""
    seen: dict[object, Any] = {}

    def process(value: Any) -> Any:
        key: object = id(value)
        if type(value) is list and all(type(item) is str for item in value):
            key = ("list", *value)  # equal lists of strings encode alike
        try:
            return seen[key]
        except KeyError:
            done = seen[key] = processor(value)
            return done

    return process


def _memoized(processor: Processor, kind: TypeEngine[Any]) -> Processor:
    """Remember a UTC datetime or boolean column's processed values: a batch repeats a few
    moments, and a boolean has two values.

    (Only UTCDateTime: it stores an instant the same whatever its time zone, as equal
    datetimes hash alike; a plain DateTime stores the wall time it is given.)"""
    if processor is None:
        return None
    if isinstance(kind, Boolean):
        booleans = {value: processor(value) for value in (True, False, None)}
        plain = processor

        def boolean(value: Any) -> Any:
            return booleans[value] if type(value) is bool or value is None else plain(value)

        return boolean
    if not isinstance(kind, UTCDateTime):
        return processor
    seen: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            if len(seen) > 10_000:
                seen.clear()
            done = seen[value] = processor(value)
            return done

    return process


def _copy_processor(kind: TypeEngine[Any], dialect: Dialect) -> Any:
    """Return how SQLAlchemy would turn a value of `kind` into a parameter for `dialect`.

    JSON is the exception: SQLAlchemy's psycopg dialect has psycopg adapt dicts when it
    executes a statement, which COPY does not do; wrap them in psycopg's Json.
    """
    if isinstance(kind, JSON):
        from psycopg.types.json import Json

        null = kind.none_as_null
        return lambda value: None if value is None and null else Json(value)
    # the dialect's own processor, as a compiled statement uses: a TypeDecorator's plain
    # bind_processor runs its generic impl's, and Numeric's turned amounts into floats
    # (99,999,999,999,999.99 was stored ...98)
    return kind._cached_bind_processor(dialect)
