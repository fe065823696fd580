"""/docs, /redoc and /openapi.json for signed-in users, with assets from an installed package.

Swagger UI and Redoc come from the `fastapi-offline` package (its static files), served
under /docs-assets; nothing is loaded from a CDN. The pages start them from
/static/docs.js, not an inline script, so the Content-Security-Policy holds.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from warning.web.errors import ApiError
from warning.web.pages.render import LoginRequired
from warning.web.security import current_principal

ASSETS = Path(fastapi_offline.__file__).parent / "static"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
SWAGGER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} — API 文档</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="swagger-ui" data-spec="/openapi.json"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""
REDOC = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} — API 文档 (ReDoc)</title>
<link rel="icon" href="/static/favicon.svg"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs-assets/redoc.standalone.js"></script></body></html>
"""


async def _signed_in(request: Request) -> None:
    """Let signed-in users through; send a browser to /login, answer others 401."""
    try:
        await current_principal(request)
    except ApiError:
        if "text/html" in request.headers.get("accept", ""):
            raise LoginRequired from None
        raise


def install_docs(app: FastAPI) -> None:
    """Add the documentation routes to an app built with docs_url, redoc_url and
    openapi_url set to None."""
    title = app.title

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        await _signed_in(request)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        await _signed_in(request)
        return HTMLResponse(SWAGGER.format(title=title), headers={"Cache-Control": "no-store"})

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        await _signed_in(request)
        return HTMLResponse(REDOC.format(title=title), headers={"Cache-Control": "no-store"})

    redoc_bundle = local_redoc()

    @app.get("/docs-assets/redoc.standalone.js", include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(redoc_bundle, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})

    app.mount("/docs-assets", StaticFiles(directory=ASSETS), name="docs-assets")


def local_redoc() -> bytes:
    """Return Redoc's bundle with its one outside address, the "powered by" logo from its
    CDN, replaced by the service's own icon (the CSP would block it anyway)."""
    bundle = (ASSETS / "redoc.standalone.js").read_bytes()
    return bundle.replace(REDOC_LOGO, b"/static/favicon.svg")
