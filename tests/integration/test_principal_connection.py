"""The token lookup holds no pooled connection once it has answered, and caches only hits."""

import asyncio
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from tests.integration.test_handling_fixtures import build_world
from warning.auth.principal_cache import PrincipalCache
from warning.web.errors import ApiError
from warning.web.security import current_principal


def _request(token: str, sessions: sessionmaker[Session], cache: PrincipalCache) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(
        runtime=SimpleNamespace(sessions=sessions, principals=cache,
                                settings=SimpleNamespace(session_idle_minutes=30))))
    return Request({"type": "http", "app": app,
                    "headers": [(b"authorization", f"Bearer {token}".encode())]})


def test_lookup_returns_its_connection_to_the_pool_and_remembers_the_caller(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    world = build_world(session_factory)
    cache = PrincipalCache(ttl=60)
    token = world.tokens["handler_a"]
    principal = asyncio.run(current_principal(_request(token, session_factory, cache)))
    assert principal.name == "handler_a"
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert cache.cached(token) == principal


def test_an_unknown_token_is_refused_and_not_remembered(
    session_factory: sessionmaker[Session],
) -> None:
    build_world(session_factory)
    cache = PrincipalCache(ttl=60)
    with pytest.raises(ApiError) as refused:
        asyncio.run(current_principal(_request("not-a-token", session_factory, cache)))
    assert refused.value.status == 401
    assert cache.cached("not-a-token") is None
