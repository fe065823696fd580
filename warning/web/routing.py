"""Routes whose sessions hold a pooled connection only while their route runs.

A sync route runs on one of anyio's worker threads, and FastAPI then validates its answer
on a second hop onto the same threads. A request session closed only when the request ends
(the `get_session` dependency's exit) keeps its connection through that second wait: under
a burst of more requests than connections, the answered routes held every connection while
the routes running on every thread waited on the pool for its timeout, and the service
answered nothing for 30 s. So each sync route closes the sessions it was given before it
leaves its thread; a session is reusable after close (a later use begins again), and
objects it loaded stay readable.

Every router is a `SessionRouter`, and a test checks that every route in the app is a
`SessionRoute`.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


class SessionRoute(APIRoute):
    """An API route whose sync endpoint closes its sessions before leaving its thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint) and not hasattr(endpoint, "closes_sessions"):
            endpoint = closing_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)


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
