"""The FastAPI application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from warning import __version__
from warning.ops.metrics import Metrics
from warning.runtime import Runtime
from warning.web import pages
from warning.web.api import (
    accounts,
    cases,
    catalog,
    exports,
    handling,
    health,
    notices,
    petitions,
    review,
    rules_status,
    signals,
    triage,
    warnings,
)
from warning.web.docs import install_docs
from warning.web.error_docs import COMMON_ERRORS, describe_error_bodies
from warning.web.errors import BodySizeLimit, install_error_handlers
from warning.web.head import HeadAsGet
from warning.web.headers import SecurityHeaders
from warning.web.input_guard import InputGuard
from warning.web.proxies import TrustedProxies, parse_networks
from warning.web.request_log import RequestLog
from warning.web.routing import SessionRoute
from warning.web.time_limit import StatementTimeLimit

STATIC = Path(__file__).parent / "static"


def create_app(runtime: Runtime) -> FastAPI:
    """Build the API and pages around a runtime; the writer starts with the app."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.start_writer()
        runtime.watch_rules()
        # Sync routes run on anyio's worker threads (40 by default). Each SQLite statement
        # lets go of the GIL; with 40 runnable threads the one holding the write gate waited
        # behind all the others to get it back, so fewer threads served ~30% more actions.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = runtime.settings.route_threads
        # What startup built (rules, engine hosts, templates) lives as long as the process:
        # keep it out of the collector's full passes, which paused requests for tens of ms.
        gc.collect()
        gc.freeze()
        yield
        await runtime.aclose()

    app = FastAPI(
        title="清风 Qingfeng",
        version=__version__,
        description="廉政风险预警防控: signals in, graded warnings out.",
        lifespan=lifespan,
        responses=COMMON_ERRORS,
        docs_url=None, redoc_url=None, openapi_url=None,
    )
    app.router.route_class = SessionRoute  # routes added on the app itself (the docs)
    app.state.runtime = runtime
    install_error_handlers(app)
    describe_error_bodies(app)
    app.add_middleware(InputGuard, page=pages.bad_text_page)
    app.add_middleware(BodySizeLimit, limit=runtime.settings.max_body_bytes,
                       page=pages.too_large_page)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)  # inside the access log, which records the HEAD
    app.add_middleware(StatementTimeLimit, seconds=runtime.settings.request_statement_seconds)
    app.state.metrics = Metrics(runtime.sessions)
    app.state.metrics_networks = parse_networks(runtime.settings.metrics_networks,
                                                  "QINGFENG_METRICS_NETWORKS")
    app.state.trusted_proxies = parse_networks(runtime.settings.trusted_proxies)
    runtime.intake.on_evaluated = app.state.metrics.observe_evaluation
    app.add_middleware(RequestLog, metrics=app.state.metrics)  # sees every answer
    # Outermost: the client address is settled before anything logs or limits by it.
    app.add_middleware(TrustedProxies, networks=app.state.trusted_proxies)
    install_docs(app)
    for module in (accounts, exports, cases, signals, warnings, handling, petitions, rules_status,
                   catalog, notices, review, health, triage):
        app.include_router(module.router)
    pages.install(app)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
