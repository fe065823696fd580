"""How bulk inserts turn values into driver parameters, as SQLAlchemy would bind them.

Values go through each column's bind processing (UTC datetimes, JSON) once per distinct
value where a batch repeats them, and are handed to the driver as tuples
(warning.db.bulk, warning.db.copy_stream).
"""

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Dialect, Table
from sqlalchemy.types import TypeEngine

from warning.db.models.base import UTCDateTime

Processor = Callable[[Any], Any] | None


def scalar_defaults(table: Table, given: Mapping[str, Any]) -> dict[str, Any] | None:
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


def value_tuples(
    conn: Connection, columns: Sequence[Any], getters: Sequence[Callable[[Any], Any]],
    filled: Mapping[str, Any], rows: Sequence[Any],
) -> list[tuple[Any, ...]]:
    """Return each row's values in column order, bind-processed for the driver."""
    process = [memoized(column.type._cached_bind_processor(conn.dialect), column.type)
               for column in columns]
    constants = [p(v) if p else v
                 for p, v in zip(process[len(getters):], filled.values(), strict=True)]
    # column by column: map() and zip() loop in C, a generator per row cost ~1 µs a value
    values: list[Any] = []
    for get, p, column_ in zip(getters, process, columns, strict=False):
        column = list(map(get, rows))
        if p is not None and isinstance(column_.type, JSON):
            p = same_object_once(p)
        values.append(list(map(p, column)) if p else column)
    values.extend(repeat(constant, len(rows)) for constant in constants)
    return list(zip(*values, strict=False))


def same_object_once(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
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


def memoized(processor: Processor, kind: TypeEngine[Any]) -> Processor:
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


def copy_processor(kind: TypeEngine[Any], dialect: Dialect) -> Any:
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
