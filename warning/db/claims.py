"""Claim rows before working on them: a lease (owner, expiry) taken in one statement.

Any job that several processes or instances may run claims its rows first, so two of them
never work on one row: on PostgreSQL the candidates are locked with `FOR UPDATE SKIP
LOCKED` (a row another claimer holds is passed over, not waited for); on SQLite the
`UPDATE … WHERE lease free … RETURNING` runs under the one write lock and is atomic. A
claimer that dies leaves a lease that expires, and the next claimer takes the row; one on
this host whose process is gone (its pid no longer runs) is taken at once.
"""

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.orm import Session

_owner: tuple[int, str] | None = None


def process_owner() -> str:
    """Name this process as a lease owner: host, pid and a random part (pids are reused)."""
    global _owner
    if _owner is None or _owner[0] != os.getpid():
        _owner = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    return _owner[1]


def lease_free(table: Table, now: datetime, owners: Sequence[str] = ()) -> ColumnElement[bool]:
    """Match rows whose lease has expired or was never taken, or is held by `owners`."""
    free = or_(table.c.lease_expires_at.is_(None), table.c.lease_expires_at < now)
    return or_(free, table.c.lease_owner.in_(owners)) if owners else free


def gone_owners(session: Session, table: Table, where: Sequence[ColumnElement[bool]],
                now: datetime) -> list[str]:
    """Return the holders of live leases on these rows that are dead processes of this host.

    Host names must tell machines (and containers) apart, as they do by default.
    """
    prefix = f"{socket.gethostname()}:"
    owners = session.scalars(
        select(table.c.lease_owner).distinct()
        .where(*where, table.c.lease_expires_at >= now, table.c.lease_owner.startswith(prefix))
    ).all()
    return [owner for owner in owners if not _running(owner)]


def _running(owner: str) -> bool:
    try:
        os.kill(int(owner.rsplit(":", 2)[1]), 0)
    except (ValueError, IndexError):  # not an owner this code wrote
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def claim(
    session: Session, table: Table, *, where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[object]], limit: int, owner: str, now: datetime,
    until: datetime,
) -> list[int]:
    """Lease up to `limit` free rows matching `where` to `owner` until `until`; return ids."""
    stale = gone_owners(session, table, where, now)
    pick = (select(table.c.id).where(*where, lease_free(table, now, stale))
            .order_by(*order_by).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(table).where(table.c.id.in_(pick.scalar_subquery()))
        .values(lease_owner=owner, lease_expires_at=until)
        .returning(table.c.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    return sorted(claimed)
