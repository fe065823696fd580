"""FastAPI dependencies: the runtime, a read session and an id path parameter, as aliases."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from warning.runtime import Runtime

# Ids are INTEGER columns: a larger number would fail in the database instead of not matching.
MAX_ID = 2**31 - 1


async def get_runtime(request: Request) -> Runtime:
    """Return the runtime the app was built with (async: a sync dependency costs a thread hop)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(request: Request) -> Iterator[Session]:
    """Open a session for one request; routes that change data commit it themselves."""
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session)]
IdPath = Annotated[int, Path(le=MAX_ID)]
