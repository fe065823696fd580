"""Secrets generated once and kept in the database, shared by every process and restart."""

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import StoredSecret

FORM_KEY = "form_key"
DELIVERY_KEY = "delivery_key"  # keys the notices' Message-ID and Idempotency-Key


def stored_secret(sessions: sessionmaker[Session], name: str) -> str:
    """Return the secret called `name`, generating and storing it the first time.

    Concurrent first calls (several workers starting) insert at most one row; all read it.
    """
    with sessions() as session, session.begin():
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(module.insert(StoredSecret)
                        .values(name=name, value=secrets.token_urlsafe(32))
                        .on_conflict_do_nothing(index_elements=["name"]))
        value = session.scalar(select(StoredSecret.value).where(StoredSecret.name == name))
    assert value is not None
    return value


def form_key(sessions: sessionmaker[Session], override: str = "") -> bytes:
    """Return the key that signs forms: from QINGFENG_SECRET_KEY if set, else the stored one."""
    secret = override or stored_secret(sessions, FORM_KEY)
    return hashlib.sha256(b"csrf:" + secret.encode()).digest()
