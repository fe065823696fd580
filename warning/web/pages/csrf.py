"""A signed double-submit CSRF token bound to the session: a nonce, signed with the session.

The token is `nonce.signature`, the signature an HMAC of the nonce and the session token's
digest under a key kept in the database (or QINGFENG_SECRET_KEY). A token issued to one
session is refused with another (or after sign-out), and a restart keeps open forms valid.
"""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from warning.auth.secrets import token_digest
from warning.auth.stored_secrets import form_key
from warning.domain.input_text import bad_text
from warning.web.security import SESSION_COOKIE

COOKIE = "qingfeng_csrf"
FIELD = "csrf_token"


class CsrfRefused(Exception):
    """A form arrived without a token matching its cookie and session."""


class FormTextRefused(Exception):
    """A page form's text field holds what cannot be stored (NUL, a lone surrogate).

    The pages answer it with the form's own page (the public report form) or the Chinese
    422 page naming the field, never the API's JSON.
    """

    def __init__(self, field: str, problem: str, values: dict[str, str]) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.values = values


def _key(request: Request) -> bytes:
    state = request.app.state
    key: bytes | None = getattr(state, "csrf_key", None)
    if key is None:
        runtime = state.runtime
        key = form_key(runtime.sessions, runtime.settings.secret_key)
        state.csrf_key = key
    return key


def _binding(request: Request) -> str:
    if getattr(request.state, "session_ended", False):
        return "-"
    session = request.cookies.get(SESSION_COOKIE, "")
    return token_digest(session) if session else "-"


def end_session(request: Request) -> None:
    """Bind the tokens this answer issues to no session: it deletes the refused session's
    cookie, so its sign-in form is posted without one."""
    request.state.session_ended = True


def _sign(key: bytes, nonce: str, binding: str) -> str:
    return hmac.new(key, f"{nonce}|{binding}".encode(), hashlib.sha256).hexdigest()


def _valid(key: bytes, token: str, binding: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce and signature) and hmac.compare_digest(
        signature, _sign(key, nonce, binding))


def issue_token(request: Request) -> str:
    """Return the caller's valid token from the cookie, or a new one for this session."""
    key, binding = _key(request), _binding(request)
    current = request.cookies.get(COOKIE, "")
    if current and _valid(key, current, binding):
        return current
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(key, nonce, binding)}"


def set_cookie(response: Response, token: str) -> None:
    """Send the token cookie with the page so the form can echo it back."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")


def check_form(request: Request, form: FormData) -> None:
    """Raise CsrfRefused unless the form's token equals the cookie and is signed for this
    session.

    Every page form passes here, so here too a text field or a file's name holding NUL or a
    lone surrogate is refused with 422 (FormTextRefused, answered as a page). InputGuard does
    not read multipart forms, whose parts are decoded with the charset the client names:
    under `unicode_escape` or `utf-7` a file's name held a lone surrogate, and storing it
    failed the public report form with a 500.
    """
    sent = form.get(FIELD)
    cookie = request.cookies.get(COOKIE, "")
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent, cookie):
        raise CsrfRefused
    if not _valid(_key(request), sent, _binding(request)):
        raise CsrfRefused
    for name, value in form.multi_items():
        text = value if isinstance(value, str) else (value.filename or "")
        problem = bad_text(name) or bad_text(text)
        if problem is not None:
            raise FormTextRefused(name, problem, {
                key: text for key, text in form.multi_items()
                if isinstance(text, str) and bad_text(key) is None and bad_text(text) is None})


def form_text(form: FormData, name: str) -> str:
    """Return a form field's text, "" when it is missing or a file sent in its place."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def read_form(request: Request) -> FormData:
    """Return the request's form, read on the event loop: a sync page route that takes it
    (`FormDep`) runs on a worker thread with its session, and gives the session's connection
    back there (warning.web.routing), instead of blocking the loop with its queries."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]

