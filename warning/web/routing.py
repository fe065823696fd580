"""Routes whose sessions hold a pooled connection only while their route runs.

A sync route runs on one of anyio's worker threads, and FastAPI then validates its answer
on a second hop onto the same threads. A request session closed only when the request ends
(the `get_session` dependency's exit) keeps its connection through that second wait: under
a burst of more requests than connections, the answered routes held every connection while
the routes running on every thread waited on the pool for its timeout, and the service
answered nothing for 30 s. So each sync route closes the sessions it was given before it
leaves its thread; a session is reusable after close (a later use begins again), and
objects it loaded stay readable.

A JSON body's numbers with a point are read as the Decimal written (`ExactJsonRequest`):
through a float, an amount of 99999999999999.99 was stored as ...98 in silence.

Every router is a `SessionRouter`, and a test checks that every route in the app is a
`SessionRoute`.
"""

import functools
import inspect
import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response


class ExactJsonRequest(Request):
    """A request whose JSON numbers with a point or exponent are Decimals, never floats,
    and whose objects name each key once."""

    async def json(self) -> Any:
        """Return the body parsed as JSON, each non-integer number as the Decimal written;
        a key given twice in one object is refused (json.loads kept the last in silence)."""
        if not hasattr(self, "_exact_json"):
            self._exact_json = json.loads(await self.body(), parse_float=Decimal,
                                          object_pairs_hook=_once_each)
        return self._exact_json


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:  # FastAPI answers a JSONDecodeError with 422 json_invalid
            raise json.JSONDecodeError(f"字段“{key}”出现两次 (key given twice)", "", 0)
        seen.add(key)
    return found


class SessionRoute(APIRoute):
    """An API route whose sync endpoint closes its sessions before leaving its thread, and
    whose JSON body keeps its numbers exact."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not hasattr(endpoint, "closes_sessions"):
            endpoint = closing_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact


def closing_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync endpoint so that the sessions among its arguments are closed after it."""

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    run.closes_sessions = True  # type: ignore[attr-defined]
    return run


class SessionRouter(APIRouter):
    """An APIRouter whose routes are `SessionRoute`s."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(route_class=SessionRoute, **kwargs)
