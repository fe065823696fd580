"""The app one `qingfeng serve --workers N` process runs, built from the environment.

uvicorn starts each worker as a fresh interpreter and calls `app_from_environment`; the
parent process has already migrated, synced the channels, checked the rules and runs the
scheduler, so a worker only serves HTTP with its own pool, rules and intake writer.
"""

import logging
import sys

from fastapi import FastAPI

from warning.ops.logs import configure_logging
from warning.petitions.keys import ReporterKeySettings, require_key_if_needed
from warning.runtime import build_runtime
from warning.settings import load_settings
from warning.web.app import create_app


def app_from_environment() -> FastAPI:
    """Build one worker's app from QINGFENG_* settings."""
    sys.setswitchinterval(0.001)  # as in `qingfeng serve`: see serve_cmd
    settings = load_settings()
    # a fresh interpreter: log as the parent
    configure_logging(settings.log_format, logging.INFO, settings.timezone)
    runtime = build_runtime(settings)
    app = create_app(runtime)
    with runtime.sessions() as session:
        app.state.reporter_cipher = require_key_if_needed(session, ReporterKeySettings())
    return app
