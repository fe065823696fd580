"""Refuse a NUL byte in a request's path, query or form fields before any route sees it.

A path longer than MAX_PATH is refused too: no route has one, and a path parameter of
thousands of digits failed in int() (Python's 4300-digit limit) before any route ran.

Query filters and path parameters reach database queries as they are; PostgreSQL refuses
NUL in text, which would be a 500. Request bodies in JSON are checked by their models
(warning.domain.input_text.CheckedInput); urlencoded forms (the pages) are checked here.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warning.domain.input_text import bad_text
from warning.web.errors import error_body

FORM = b"application/x-www-form-urlencoded"
MAX_PATH = 1024
TOO_LONG = f"超过 {MAX_PATH} 个字符 (longer than {MAX_PATH} characters)"
RefusalPage = Callable[[Scope, str, str, str, dict[str, str]], Response | None]
"""Return the page that refuses field `name` of `where` (path, query, form) for `problem`,
given the form's other values; None when the request is not for a page (the API)."""


def _first_bad(pairs: list[tuple[str, str]]) -> tuple[str, str] | None:
    for name, value in pairs:
        for text in (name, value):
            problem = bad_text(text)
            if problem is not None:
                return name, problem
    return None


def _refusal(where: str, name: str, problem: str) -> JSONResponse:
    field = f"{where}.{name}" if name else where
    return JSONResponse(
        error_body("invalid_request", f"字段 {field}: {problem}", f"{field}: {problem}",
                   field=field,
                   details=[{"field": field, "message": problem, "message_en": problem}]),
        status_code=422,
    )


class InputGuard:
    """Answer 422 naming the parameter when a path, query or form field holds NUL.

    The answer is JSON, or the page `page` returns when the request is for a page.
    """

    def __init__(self, app: ASGIApp, page: RefusalPage | None = None) -> None:
        self.app = app
        self.page = page

    def _refuse(self, scope: Scope, where: str, name: str, problem: str,
                pairs: list[tuple[str, str]] | None = None) -> Response:
        values = {key: value for key, value in pairs or [] if _first_bad([(key, value)]) is None}
        page = self.page(scope, where, name, problem, values) if self.page else None
        return page if page is not None else _refusal(where, name, problem)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        problem = TOO_LONG if len(path) > MAX_PATH else bad_text(path)
        if problem is not None:
            await self._refuse(scope, "path", "", problem)(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        found = _first_bad(parse_qsl(query, keep_blank_values=True))
        if found is not None:
            await self._refuse(scope, "query", *found)(scope, receive, send)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if scope.get("method") == "POST" and content_type.split(b";")[0].strip() == FORM:
            await self._form(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _form(self, scope: Scope, receive: Receive, send: Send) -> None:
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        found = _first_bad(pairs)
        if found is not None:
            shown = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            await self._refuse(scope, "form", *found, shown)(scope, _drained, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _drained() -> Message:
    return {"type": "http.disconnect"}
