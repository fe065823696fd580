"""`column IN (values)` for any number of values, as one bound parameter.

`column.in_(values)` binds one parameter per value, and psycopg refuses a statement with
more than 65,535 ("number of parameters must be between 0 and 65535"); SQLite's limit is
32,766 in many builds. `among` binds a short list as `in_` does (the plan and the cost are
unchanged for the usual few ids) and a long one as a single parameter: an array on
PostgreSQL (`column = ANY(CAST(:p AS type[]))`), a JSON text on SQLite
(`column IN (SELECT value FROM json_each(:p))`).
"""

import json
from collections.abc import Iterable
from typing import Any, ClassVar

from sqlalchemy import Boolean, ColumnElement, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import UserDefinedType

LONG = 1_000  # more values than this are bound as one parameter


class _ValueList(UserDefinedType[list[Any]]):
    """A Python list bound as an array (PostgreSQL) or as JSON text (SQLite)."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "VALUE_LIST"  # never a column type

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return list
        return lambda value: json.dumps(list(value))


class _Among(ColumnElement[bool]):
    """`column` is one of a list bound as one parameter (see the module)."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.values = bindparam(None, values, type_=_ValueList(), unique=True)


@compiles(_Among)
def _among_default(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.values, **kw)}))"


@compiles(_Among, "postgresql")
def _among_postgresql(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    array = compiler.dialect.type_compiler_instance.process(element.column.type) + "[]"
    return f"{column} = ANY(CAST({compiler.process(element.values, **kw)} AS {array}))"


def among(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """Return the condition that `column` is one of `values`, however many there are."""
    listed = list(values)
    if len(listed) <= LONG:
        return column.in_(listed)
    return _Among(column, listed)
