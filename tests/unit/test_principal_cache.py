"""The token cache remembers known tokens briefly and never remembers unknown ones."""

import time

from warning.auth.principal import Principal
from warning.auth.principal_cache import PrincipalCache
from warning.domain.lifecycle import Role

OFFICE = Principal(user_id=1, name="office", role=Role.OFFICE, department_id=None,
                   person_id=None)


def test_a_known_token_is_looked_up_once_within_the_ttl_and_again_after() -> None:
    calls: list[str] = []
    cache = PrincipalCache(ttl=0.2)

    def find(token: str) -> Principal | None:
        calls.append(token)
        return OFFICE

    assert cache.lookup("t1", find) == OFFICE
    assert cache.lookup("t1", find) == OFFICE
    assert cache.cached("t1") == OFFICE
    assert calls == ["t1"]
    time.sleep(0.3)
    assert cache.cached("t1") is None
    assert cache.lookup("t1", find) == OFFICE
    assert calls == ["t1", "t1"]


def test_an_unknown_token_is_checked_every_time() -> None:
    calls: list[str] = []
    cache = PrincipalCache(ttl=60)

    def find(token: str) -> Principal | None:
        calls.append(token)
        return None

    assert cache.lookup("bad", find) is None
    assert cache.lookup("bad", find) is None
    assert calls == ["bad", "bad"]


def test_ttl_zero_turns_the_cache_off_and_clear_forgets() -> None:
    calls: list[str] = []

    def find(token: str) -> Principal | None:
        calls.append(token)
        return OFFICE

    off = PrincipalCache(ttl=0)
    off.lookup("t", find)
    off.lookup("t", find)
    assert calls == ["t", "t"] and off.cached("t") is None
    on = PrincipalCache(ttl=60)
    on.lookup("t", find)
    on.clear()
    assert on.cached("t") is None
