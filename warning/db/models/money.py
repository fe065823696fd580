"""The exact money column: yuan as Decimal in Python, never a float in the database.

PostgreSQL keeps NUMERIC(18,2) exactly. SQLite has no exact decimal: it stores a NUMERIC
value with a fraction as a float (0.015 read back 0.01, 99,999,999,999,999.99 read back
...98), so there the same column holds integer fen, which SQLite keeps exactly up to 2^63.
Migration 0007d converts the rows stored as floats before.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

FEN = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """Store an amount in yuan exactly: NUMERIC(18,2), or integer fen on SQLite."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value)
        if exact != exact.quantize(FEN):
            raise ValueError(f"amount {value} has more than 2 decimals")
        return int(exact * 100) if dialect.name == "sqlite" else exact.quantize(FEN)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(FEN)
        return Decimal(value).quantize(FEN)
