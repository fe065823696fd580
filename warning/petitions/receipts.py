"""Receipt codes for anonymous reporters and the rate limit on looking them up."""

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.stored_secrets import FORM_KEY, stored_secret
from warning.db.models import RateLimit

# Every receipt lookup, page or API, answers after at least this long, found or not, so
# timing tells nothing.
LOOKUP_FLOOR_SECONDS = 0.3

log = logging.getLogger(__name__)

# Crockford base32: no I, L, O, U, so a code read aloud or copied by hand survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS = 5
_GROUP_SIZE = 4  # 20 symbols x 5 bits = 100 bits of entropy
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt_code() -> str:
    """Return a fresh receipt code like 7K3Q-M9XD-2RTA-VW4N-8H6E, to be shown once."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_SIZE))
    return "-".join(
        symbols[i : i + _GROUP_SIZE] for i in range(0, len(symbols), _GROUP_SIZE)
    )


def normalise_code(code: str) -> str:
    """Return the canonical symbols of a code as typed: case, dashes and spaces ignored."""
    kept = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_READ_AS)
    return kept if all(ch in _ALPHABET for ch in kept) else ""


def receipt_digest(code: str) -> str:
    """Return the stored form of a code: sha256 of its canonical symbols.

    A salted slow hash (argon2) is not needed: the code carries 100 random bits, so no
    guessing attack on the digest is feasible, and a plain digest can be looked up by index.
    """
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


class ReceiptLimiter(Protocol):
    """What the receipt lookup needs of a rate limiter."""

    def allow(self, key: str) -> bool:
        """Take one attempt for `key`; False when it must wait."""
        ...

    def retry_after(self) -> int:
        """Return the seconds a refused client should wait."""
        ...


@dataclass
class StoredRateLimiter:
    """A token bucket per key kept in the database: the limit holds across processes and restarts.

    `capacity` attempts at once per key, refilled evenly over `period`, written as GCRA:
    a key's row holds the time its bucket would be full again (`tat`),
    and an attempt is allowed when moving that time on by one token's share of the
    period leaves it at most `period` ahead of now. The test and the move are one
    UPDATE, which the database applies atomically, so concurrent attempts from any
    number of processes never let more through. Keys are stored as an HMAC of the action
    and client address under the service's secret (QINGFENG_SECRET_KEY, else the one kept
    in the database): a plain hash of an IPv4 address is reversed by trying all 2^32. Rows
    whose bucket is full again are deleted, so no client address lingers.
    """

    sessions: sessionmaker[Session]
    capacity: int = 5
    period: float = 60.0
    action: str = "receipt"
    clock: Callable[[], float] = time.time
    secret: str = ""
    _key: bytes = field(default=b"", init=False, repr=False)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty."""
        now = self.clock()
        share = self.period / self.capacity
        if not self._key:
            secret = self.secret or stored_secret(self.sessions, FORM_KEY)
            self._key = hashlib.sha256(b"rate-limit:" + secret.encode()).digest()
        digest = hmac.new(self._key, f"{self.action}:{key}".encode(), "sha256").hexdigest()
        with self.sessions() as session, session.begin():
            if _insert_new(session, digest, now + share):
                allowed = True
            else:
                start = case((RateLimit.tat > now, RateLimit.tat), else_=now)
                moved = session.execute(
                    update(RateLimit)
                    .where(RateLimit.key == digest, start + share - now <= self.period)
                    .values(tat=start + share)
                )
                allowed = moved.rowcount == 1  # type: ignore[attr-defined]
        self._prune(now)
        return allowed

    def retry_after(self) -> int:
        """Return the seconds until one token refills (an upper bound on the wait)."""
        return max(1, round(self.period / self.capacity))

    def _prune(self, now: float) -> None:
        """Delete the rows of full buckets; best effort, in its own transaction."""
        try:
            with self.sessions() as session, session.begin():
                session.execute(delete(RateLimit).where(RateLimit.tat <= now))
        except Exception:
            log.warning("pruning rate_limits failed; retried on the next attempt", exc_info=True)


def _insert_new(session: Session, digest: str, tat: float) -> bool:
    """Insert a first attempt's row unless the key has one; tell whether it was inserted."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(RateLimit)
        .values(key=digest, tat=tat)
        .on_conflict_do_nothing()
        .returning(RateLimit.key)
    )
    return session.execute(statement).first() is not None
