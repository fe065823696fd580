"""FastAPI dependencies: the runtime, a read session and an id path parameter, as aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from warning.domain.input_text import MAX_ID as MAX_ID
from warning.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    """Return the runtime the app was built with (async: a sync dependency costs a thread hop)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Open a session for one request; routes that change data commit it themselves.

    Async so that opening and closing it cost no worker-thread hops; it touches the
    database only when the (sync, threaded) route uses it.
    """
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="1 .. 2^31-1")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="1 .. 2^31-1")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_ID)]
