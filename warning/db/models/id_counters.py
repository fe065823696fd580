"""The counters opaque ids are drawn from (warning.db.opaque_ids)."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from warning.db.models.base import Base


class IdCounter(Base):
    """One table's opaque ids: the key of its permutation and, on SQLite, its counter.

    On SQLite `last` is the last sequence number given (the writer holds the database, so
    the counter is bumped in its transaction); PostgreSQL draws them from the sequence
    `<name>_numbers` instead, which never waits for another writer's transaction.
    """

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    last: Mapped[int] = mapped_column(BigInteger, default=0)
