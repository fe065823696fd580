"""Password hashing (argon2) and random API tokens stored as their sha256."""

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_BYTES = 32
TOKEN_PREFIX = "qf_"


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash`; an empty hash costs the same time.

    A user without a password, or no user at all, is checked against a dummy hash, so the
    answer takes as long as for a real user and does not tell which names exist.
    """
    if not password_hash:
        _verify(_dummy_hash(), password)
        return False
    return _verify(password_hash, password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """Return a fresh random token, to be shown once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """Return the stored form of a token (sha256 hex; tokens are random, so no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
