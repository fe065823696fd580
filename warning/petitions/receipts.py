"""Receipt codes for anonymous reporters and the rate limit on looking them up."""

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """An in-process token bucket per key (client address): `capacity` per `period` seconds."""

    capacity: int = 5
    period: float = 60.0
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty."""
        now = self.clock()
        rate = self.capacity / self.period
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._prune(now, rate)
                bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True

    def retry_after(self) -> int:
        """Return the seconds until one token refills."""
        return max(1, round(self.period / self.capacity))

    def _prune(self, now: float, rate: float) -> None:
        full = [k for k, b in self._buckets.items()
                if b.tokens + (now - b.updated) * rate >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()
