"""A frozen engine child costs a batch seconds in proportion to its size, not two minutes.

Before: SIGSTOP on the engine child of a running service held `POST /api/signals` for
120 s (ANSWER_TIMEOUT_S, sized for loading thousands of rules), and every other request
that needed the engine queued behind it, for a batch of one signal whose answer takes
about 0.1 ms.
"""

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from tests.unit.test_engine_wall import BATCH, EXPECTED, _evaluator, _gone, _ids
from warning.rules import engine_process


def test_a_frozen_engine_is_replaced_within_the_batch_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "EVALUATE_BASE_S", 1.0)
    evaluator = _evaluator(tmp_path)
    frozen = evaluator.engine.pid
    assert frozen is not None
    os.kill(frozen, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert _ids(evaluator) == EXPECTED
        assert time.monotonic() - started < 10
        assert evaluator.engine.pid != frozen and _gone(frozen)
    finally:
        # The engine may reap the child between the check and the kill.
        with contextlib.suppress(ProcessLookupError):
            os.kill(frozen, signal.SIGKILL)


def test_a_batch_budget_grows_with_the_work_in_it() -> None:
    small = engine_process.evaluate_budget([("audit", None, None, ((0, (1,)),))])
    large = engine_process.evaluate_budget(
        [("audit", None, None, tuple((s, (1,)) for s in range(60)))] * 10_000)
    assert engine_process.EVALUATE_BASE_S <= small < 20
    assert large > small + 600  # 600,000 shard posts: far above what they take
    assert len(BATCH) == 3
