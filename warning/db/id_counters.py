"""Give rows opaque ids (warning.db.opaque_ids) from their table's counter."""

import re
from typing import Any

from sqlalchemy import Connection, bindparam, text

from warning.db.opaque_ids import opaque_id

_SQLITE = text("UPDATE id_counters SET last = last + :count WHERE name = :name "
               "RETURNING last, key")
_POSTGRESQL = ("SELECT nextval('{name}_numbers'), c.key FROM id_counters AS c "
               "CROSS JOIN generate_series(1, :count) WHERE c.name = :name")
_TAKEN = "SELECT id FROM {name} WHERE id IN :ids"
_NAME = re.compile(r"[a-z_]+")
_CHUNK = 500


class CounterMissing(RuntimeError):
    """The database has no counter for a table: its migrations did not run."""


def next_ids(conn: Connection, name: str, count: int) -> list[int]:
    """Return `count` new opaque ids for table `name`, drawn within `conn`'s transaction.

    On SQLite the counter row is bumped by the writer that holds the database; a rolled
    back transaction gives its numbers back with it. On PostgreSQL the numbers come from a
    sequence, which no transaction waits on; a rolled back one leaves a gap no one sees.
    An id a row already holds (given in sequence before 0011a, or under an earlier key) is
    passed over, so none is given twice.
    """
    assert _NAME.fullmatch(name), name  # a table's name, never input
    given: list[int] = []
    while len(given) < count:
        drawn = _draw(conn, name, count - len(given))
        taken = _taken(conn, name, drawn)
        given += [id_ for id_ in drawn if id_ not in taken]
    return given


def _draw(conn: Connection, name: str, count: int) -> list[int]:
    if conn.dialect.name == "postgresql":
        rows: list[Any] = list(conn.execute(text(_POSTGRESQL.format(name=name)),
                                            {"count": count, "name": name}))
        numbers = [row[0] for row in rows]
    else:
        found = conn.execute(_SQLITE, {"count": count, "name": name}).first()
        rows = [found] if found else []
        numbers = list(range(found[0] - count + 1, found[0] + 1)) if found else []
    if not rows:
        raise CounterMissing(f"no id counter for table {name}: run `qingfeng db upgrade`")
    key = rows[0][1]
    return [opaque_id(number, key=key, name=name) for number in numbers]


def _taken(conn: Connection, name: str, ids: list[int]) -> set[int]:
    query = text(_TAKEN.format(name=name)).bindparams(bindparam("ids", expanding=True))
    taken: set[int] = set()
    for at in range(0, len(ids), _CHUNK):
        taken.update(conn.execute(query, {"ids": ids[at : at + _CHUNK]}).scalars())
    return taken


def column_default(name: str) -> Any:
    """Return a column default giving each row inserted without an id its opaque id."""

    def default(context: Any) -> int:
        return next_ids(context.connection, name, 1)[0]

    return default
