"""A signed double-submit CSRF token: the same signed nonce in a cookie and in the form."""

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from warning.domain.input_text import bad_text
from warning.web.errors import ApiError

COOKIE = "qingfeng_csrf"
FIELD = "csrf_token"


class CsrfRefused(Exception):
    """A form arrived without a token matching its cookie."""


def _key(request: Request) -> bytes:
    state = request.app.state
    key: bytes | None = getattr(state, "csrf_key", None)
    if key is None:
        secret: str = request.app.state.runtime.settings.secret_key
        key = hashlib.sha256(b"csrf:" + secret.encode()).digest() if secret else None
        key = key or secrets.token_bytes(32)
        state.csrf_key = key
    return key


def _sign(key: bytes, nonce: str) -> str:
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def _valid(key: bytes, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce and signature) and hmac.compare_digest(signature, _sign(key, nonce))


def issue_token(request: Request) -> str:
    """Return the caller's valid token from the cookie, or a new one."""
    key = _key(request)
    current = request.cookies.get(COOKIE, "")
    if current and _valid(key, current):
        return current
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(key, nonce)}"


def set_cookie(response: Response, token: str) -> None:
    """Send the token cookie with the page so the form can echo it back."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")


def check_form(request: Request, form: FormData) -> None:
    """Raise CsrfRefused unless the form's token is validly signed and equals the cookie.

    Every page form passes here, so here too a text field holding NUL or a lone surrogate
    (possible in a multipart form, which InputGuard does not read) is refused with 422.
    """
    sent = form.get(FIELD)
    cookie = request.cookies.get(COOKIE, "")
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent, cookie):
        raise CsrfRefused
    if not _valid(_key(request), sent):
        raise CsrfRefused
    for name, value in form.multi_items():
        problem = bad_text(value) if isinstance(value, str) else None
        if problem is not None:
            raise ApiError(422, "invalid_request", f"字段 {name}: {problem}", problem,
                           field=f"form.{name}")
