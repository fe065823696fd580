"""Errors as JSON with a stable code and a Chinese and an English message."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warning.domain.sizes import limit_size
from warning.domain.validation_zh import zh_message
from warning.web.refusals import log_refusal
from warning.web.storage_full import MESSAGE as STORAGE_MESSAGE
from warning.web.storage_full import MESSAGE_EN as STORAGE_MESSAGE_EN
from warning.web.storage_full import log_full, storage_full

log = logging.getLogger(__name__)

# How a domain error code (warning.domain / warning.handling) answers over HTTP.
DOMAIN_STATUS = {
    "not_found": 404, "version_conflict": 409, "transition_not_allowed": 409,
    "role_not_allowed": 403, "unknown_action": 422, "missing_field": 422,
    "attachment_refused": 422, "attachment_too_large": 413, "attachment_type_refused": 415,
    "attachment_content_mismatch": 409, "invalid_measure": 422,
    "attachment_not_stored": 507,
}


class ApiError(Exception):
    """An error the API answers with `status` and a JSON body naming what is wrong.

    `headers` go on the response as they are, e.g. Retry-After on a 429.
    """

    def __init__(
        self, status: int, code: str, message: str, message_en: str = "",
        *, headers: dict[str, str] | None = None, **extra: Any,
    ) -> None:
        super().__init__(message_en or message)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.headers = headers
        self.extra = extra


def error_body(code: str, message: str, message_en: str = "", **extra: Any) -> dict[str, Any]:
    """Return the JSON body of an error."""
    return {"error": {"code": code, "message": message, "message_en": message_en, **extra}}


def _validation_message(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    kind = error.get("type", "")
    if kind == "json_invalid":
        return f"请求体不是合法的 JSON: {error.get('ctx', {}).get('error', '')}"
    if kind == "missing":
        return f"缺少字段 {loc}"
    if kind == "extra_forbidden":
        return f"未知字段 {loc}"
    return f"字段 {loc}: {zh_message(error)}"


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as JSON, never with a stack trace."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        await log_refusal(request, exc.status, exc.code)
        body = error_body(exc.code, exc.message, exc.message_en, **exc.extra)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        # The first errors say what is wrong; a body with 300,000 bad items must not get
        # an answer 80 times its size.
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": _validation_message(e),
                "message_en": e.get("msg", ""),
            }
            for e in found[:MAX_DETAILS]
        ]
        first = errors[0] if errors else {"message": "请求无效", "message_en": "invalid request"}
        more = {"more_errors": len(found) - MAX_DETAILS} if len(found) > MAX_DETAILS else {}
        body = error_body(
            "invalid_request", first["message"], first["message_en"], details=errors, **more
        )
        return JSONResponse(body, status_code=422)

    @app.exception_handler(DataError)
    async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
        # A last net: input is checked before it is stored (CheckedInput, InputGuard), so
        # reaching here means a check is missing; the client's value is still at fault.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        body = error_body("unstorable_value", "数据库无法保存请求中的某个值",
                          "a value in the request cannot be stored")
        return JSONResponse(body, status_code=422)

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: Exception) -> Response:
        # A statement past its time limit (warning.db.statement_limit), or no pooled
        # connection free in time: the service is busy, not broken; the client may retry.
        if isinstance(exc, OperationalError) and not _cancelled(exc):
            return _server_error(request, exc)
        log.warning("busy on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        from warning.web.headers import error_headers

        body = error_body("busy", "系统繁忙，请稍后再试", "service busy, retry later")
        headers = error_headers(https=request.url.scheme == "https") | {
            "Retry-After": str(RETRY_AFTER_BUSY)}
        return JSONResponse(body, status_code=503, headers=headers)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        return _server_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "未找到", 405: "不允许的方法", 401: "需要登录", 403: "无权访问"}
        if exc.status_code == 400:
            body = error_body("invalid_body", *_unparsable(exc.__cause__))
        else:
            body = error_body(f"http_{exc.status_code}",
                              messages.get(exc.status_code, str(exc.detail)), str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


RETRY_AFTER_BUSY = 5  # seconds
MAX_DETAILS = 50  # validation errors listed in a 422; `more_errors` counts the rest


def _unparsable(cause: BaseException | None) -> tuple[str, str]:
    """Say why FastAPI could not parse a body (it raises its 400 from the parse error)."""
    if isinstance(cause, RecursionError):
        return "请求体无法解析: JSON 嵌套层数过多", "request body cannot be parsed: nested too deep"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        # int() refuses more than sys.get_int_max_str_digits() (4,300) digits
        return ("请求体无法解析: JSON 中的整数位数过多",
                "request body cannot be parsed: an integer has too many digits")
    return ("请求体无法解析 (不是合法的 UTF-8 JSON)",
            "request body cannot be parsed (not UTF-8 JSON)")


def _cancelled(error: OperationalError) -> bool:
    """Tell whether PostgreSQL cancelled the statement for its time limit (57014)."""
    return getattr(error.orig, "sqlstate", None) == "57014"


def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette answers an unhandled error outside every middleware, so this answer
    # carries the security headers itself; the error goes to the log, not the client.
    # A full disk is not a fault of the code: 507, saying that nothing was saved.
    from warning.web.headers import error_headers

    if storage_full(exc):
        log_full(request, exc)
        status, body = 507, error_body("storage_full", STORAGE_MESSAGE, STORAGE_MESSAGE_EN)
    else:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        status, body = 500, error_body("server_error", "服务器内部错误，已记录，请稍后再试",
                                       "internal server error (logged)")
    page = getattr(request.app.state, "error_page", None)  # the pages' page for a browser
    answer: Response | None = page(request, status) if page is not None else None
    if answer is None:
        answer = JSONResponse(body, status_code=status)
    answer.headers.update(error_headers(https=request.url.scheme == "https"))
    return answer


TooLargePage = Callable[[Scope, int], Response | None]
"""Return the page that refuses a browser's body over `limit` bytes; None for an API call."""


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, counting what actually arrives.

    The refusal is JSON, or the page `page` returns when the request came from a browser.
    """

    def __init__(self, app: ASGIApp, limit: int, page: TooLargePage | None = None) -> None:
        self.app = app
        self.limit = limit
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        if declared is None and scope.get("method") not in ("GET", "HEAD"):
            await self._buffered(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a body of unknown length (chunked) up to the limit before the route runs.

        Raising from inside `receive` instead reached FastAPI's body parsing, which turned
        it into a 400 "not valid UTF-8"; reading first answers 413 whatever the route.
        """
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            received += len(message.get("body", b""))
            if received > self.limit:
                await self._refuse(scope, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = self.page(scope, self.limit) if self.page is not None else None
        if response is None:
            response = JSONResponse(
                error_body(
                    "body_too_large",
                    f"请求体超过 {limit_size(self.limit)} 上限",
                    f"request body exceeds {self.limit} bytes",
                ),
                status_code=413,
            )
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}
