"""Run each HTTP request under the statement time limit (warning.db.statement_limit)."""

from starlette.types import ASGIApp, Receive, Scope, Send

from warning.db.statement_limit import limited


class StatementTimeLimit:
    """Limit the database statements of each request to `seconds`; a statement past it
    is cancelled and the request answered 503 with Retry-After (warning.web.errors)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with limited(self.seconds):
            await self.app(scope, receive, send)
