"""Remember for a few seconds whom a token belongs to, so busy API paths skip the lookup.

At a thousand requests a second the token lookup (a pooled connection, a join, a thread
hop) cost more than storing the signal. A revoked token or a deactivated user is
therefore honoured for at most `ttl` seconds more in each other service process (the
process that revokes forgets at once); unknown tokens and sessions are never cached, so a
wrong token is always checked and a signed-out session is refused at once everywhere.
"""

import threading
from collections.abc import Callable

from cachetools import TTLCache

from warning.auth.principal import Principal
from warning.auth.secrets import token_digest


class PrincipalCache:
    """Token digest -> principal, each entry kept `ttl` seconds (0 turns caching off)."""

    def __init__(self, ttl: float = 5.0, maxsize: int = 4096) -> None:
        self._ttl = ttl
        self._entries: TTLCache[str, Principal] = TTLCache(maxsize=maxsize, ttl=max(ttl, 1e-3))
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """Return the principal remembered for `token`, if any."""
        if self._ttl <= 0 or not token:
            return None
        with self._lock:
            return self._entries.get(token_digest(token))

    def lookup(self, token: str, find: Callable[[str], Principal | None]) -> Principal | None:
        """Return the remembered principal, else `find(token)`, remembering a hit."""
        principal = self.cached(token)
        if principal is None and token:
            principal = find(token)
            if principal is not None and self._ttl > 0:
                with self._lock:
                    self._entries[token_digest(token)] = principal
        return principal

    def remember(self, token: str, principal: Principal) -> None:
        """Remember `principal` for `token` (an API token; sessions are never remembered)."""
        if self._ttl > 0 and token:
            with self._lock:
                self._entries[token_digest(token)] = principal

    def forget(self, token: str) -> None:
        """Forget one token (revoked in this process)."""
        self.forget_digest(token_digest(token))

    def forget_digest(self, digest: str) -> None:
        """Forget the token stored as `digest`."""
        with self._lock:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        """Forget every entry (after a revocation in this process)."""
        with self._lock:
            self._entries.clear()
