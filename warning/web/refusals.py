"""Write every access refusal (403, 404 on an object) to the security log."""

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from warning.auth.security_log import Where, record_now
from warning.web.reporter_routes import kept_address

REFUSED = (403, 404)


async def log_refusal(request: Request, status: int, detail: str = "") -> None:
    """Record that `request` was refused with `status`, naming the caller if known."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None or status not in REFUSED:
        return
    principal = getattr(request.state, "principal", None)
    path = request.url.path
    where = Where(address=kept_address(path, request.client.host if request.client else ""),
                  method=request.method, path=path)
    await run_in_threadpool(record_now, runtime.sessions, "refused",
                            user_name=principal.name if principal else "", where=where,
                            status=status, detail=detail)
