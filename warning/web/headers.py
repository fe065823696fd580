"""Security headers on every response: CSP without inline script, no framing, no sniffing,
no caching of anything but the shipped files."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and Redoc set styles from their scripts and Redoc searches in a blob: worker;
# their pages allow inline styles, still no inline or foreign script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"
# Files shipped with the package, the same for everyone: the only answers a cache may keep.
# Everything else (JSON of a petition, a record, a count) is no-store unless its route says
# otherwise, so no browser or proxy keeps a copy for the next user of the machine.
SHARED_PREFIXES = ("/static/", "/docs-assets/")
FIXED = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
)


def error_headers(*, https: bool) -> dict[str, str]:
    """Return the headers for a response made outside the middleware (a 500)."""
    headers = {"content-security-policy": CSP, **dict(FIXED)}
    if https:
        headers["strict-transport-security"] = HSTS
    return headers


class SecurityHeaders:
    """Add the security headers to every HTTP response; HSTS only when served over https.

    The scheme is the one left by TrustedProxies, so behind a trusted TLS proxy it is https.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path in DOCS_PATHS else CSP
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = csp
                for name, value in FIXED:
                    headers[name] = value
                if "cache-control" not in headers and not path.startswith(SHARED_PREFIXES):
                    headers["cache-control"] = "no-store"
                if https:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
