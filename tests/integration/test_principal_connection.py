"""The token lookup gives its pooled connection back before the route's own thread runs."""

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from tests.integration.test_handling_fixtures import build_world
from warning.web.security import current_principal


def _request(token: str) -> Request:
    return Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})


def test_lookup_returns_its_connection_to_the_pool(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    world = build_world(session_factory)
    with session_factory() as session:
        principal = current_principal(_request(world.tokens["handler_a"]), session)
        assert principal.name == "handler_a"
        assert not session.in_transaction()
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
