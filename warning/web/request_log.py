"""Give each request an id, log it on the access log and time it by route template."""

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warning.ops.logs import REQUEST_ID
from warning.ops.metrics import Metrics
from warning.web.reporter_routes import kept_address

log = logging.getLogger("qingfeng.access")
HEADER = b"x-request-id"
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
# Probes and scrapes arrive every few seconds from monitoring: an answered one is nothing
# that happened, so it goes to debug (its latency is still measured); a failed one is logged.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestLog:
    """ASGI middleware: X-Request-ID in and out, one access line, the latency histogram."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER, b"")
        request_id = given.decode() if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        status = [500]
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.http.labels(route, scope["method"], str(status[0])).observe(elapsed)
            quiet = scope["path"] in PROBES and status[0] < 400
            client = kept_address(route, (scope.get("client") or ("", 0))[0])
            log.log(logging.DEBUG if quiet else logging.INFO,
                    "%s %s %s %.1fms", scope["method"], scope["path"], status[0],
                    elapsed * 1000, extra={
                        "method": scope["method"], "path": scope["path"], "route": route,
                        "status": status[0], "duration_ms": round(elapsed * 1000, 1),
                        "client": client,
                    })
            REQUEST_ID.reset(token)
