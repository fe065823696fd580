"""Named leases in the database: one holder at a time, renewed, taken over when they lapse.

The scheduler's leader holds the lease `scheduler` (warning.leadership). Taking or renewing
is one UPDATE whose WHERE admits only the holder or an expired lease, so of several
instances trying at once exactly one succeeds; a missing row is inserted with ON CONFLICT
DO NOTHING. Expiry is judged by each instance's own UTC clock: keep the machines' clocks
synchronised (NTP), as any lease needs.
"""

from datetime import datetime, timedelta

from sqlalchemy import case, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import transaction
from warning.db.models import Lease

LEASES = Lease.__table__


def hold(
    sessions: sessionmaker[Session], name: str, owner: str, seconds: float, now: datetime,
    *, force: bool = False,
) -> bool:
    """Take or renew lease `name` for `owner` until `now + seconds`; return whether held.

    `force` takes it whoever holds it (for a holder known dead, e.g. by a file lock).
    """
    until = now + timedelta(seconds=seconds)
    with transaction(sessions) as session:
        admits = true() if force else (LEASES.c.owner == owner) | (LEASES.c.expires_at < now)
        taken = session.execute(
            update(LEASES).where(LEASES.c.name == name, admits)
            .values(owner=owner, renewed_at=now, expires_at=until,
                    acquired_at=case((LEASES.c.owner == owner, LEASES.c.acquired_at),
                                     else_=now))
        ).rowcount
        if taken:
            return True
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        inserted = session.execute(
            dialect.insert(LEASES)
            .values(name=name, owner=owner, acquired_at=now, renewed_at=now, expires_at=until)
            .on_conflict_do_nothing(index_elements=["name"]).returning(LEASES.c.name)
        ).first()
        return inserted is not None


def release(sessions: sessionmaker[Session], name: str, owner: str) -> None:
    """Give lease `name` up if `owner` holds it, so another instance takes over at once."""
    with transaction(sessions) as session:
        session.execute(LEASES.delete().where(LEASES.c.name == name, LEASES.c.owner == owner))


def holder(session: Session, name: str) -> Lease | None:
    """Return lease `name` as stored (its holder may have died: see `expires_at`)."""
    return session.scalar(select(Lease).where(Lease.name == name))
