"""FastAPI dependencies: the runtime and a read session, as Annotated aliases."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from warning.runtime import Runtime


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
