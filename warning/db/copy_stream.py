"""PostgreSQL: one COPY held open while the caller prepares the next piece of rows."""

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from sqlalchemy import Connection, Table

from warning.db.bulk_values import Processor, copy_processor, scalar_defaults


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
        filled = scalar_defaults(self._table, first)
        if filled is None:
            raise ValueError(f"{self._table.name}: a column not given has a callable default")
        self._filled = filled
        columns = [self._table.c[key] for key in [*self._keys, *filled]]
        dialect = self._conn.dialect
        self._process = [copy_processor(column.type, dialect) for column in columns]
        names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
        table = dialect.identifier_preparer.format_table(self._table)
        driver = self._conn.connection.driver_connection
        stack = ExitStack()
        cursor = stack.enter_context(driver.cursor())  # type: ignore[union-attr]
        self._copy = stack.enter_context(cursor.copy(f"COPY {table} ({names}) FROM STDIN"))
        self._stack = stack
