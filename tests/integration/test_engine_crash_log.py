"""An engine child that dies twice fails its batch with one log line, not a traceback.

Before: `qingfeng signal import` with its engine child killed again and again printed a
20-line traceback per failed batch (39 of them for one file) for a failure it had handled:
the signals were stored and marked for the retry job, and the import exited 0.
"""

import logging
import os
import signal

import pytest
from sqlalchemy import select

from warning.db.models import Signal
from warning.domain.enums import SignalStatus
from warning.rules.engine import ABORT_EVERY_ENV
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn


def test_a_batch_the_engine_failed_twice_is_logged_once_without_a_traceback(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    engine = runtime.rules.current().evaluator.engine
    monkeypatch.setenv(ABORT_EVERY_ENV, "1")  # every child started from now aborts
    if engine.pid is not None:
        os.kill(engine.pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING):
        runtime.intake.ingest([SignalIn(
            channel="audit", external_id="CRASH-1", title="审计发现", text="拆分采购",
            department="CGZX")])
    with runtime.sessions() as session:
        status = session.scalar(select(Signal.status).where(Signal.external_id == "CRASH-1"))
    assert status == SignalStatus.FAILED
    [failed] = [r for r in caplog.records if "evaluation failed" in r.getMessage()]
    assert not failed.exc_info and "engine failed twice" in failed.getMessage()
