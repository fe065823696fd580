"""An engine child that stops answering (frozen: SIGSTOP, a stuck machine) costs a retry in a
fresh child after its budget (engine_process.evaluate_budget), whatever the batch's size: a
batch larger than the pipe holds used to block the service in its write, where no timeout
applied."""

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.unit.test_engine_wall import EXPECTED, _evaluator, _ids
from warning.rules import engine_process
from warning.rules.evaluator import SignalFacts


@pytest.mark.parametrize("copies", [1, 20_000])  # 20,000 signals: a request of ~500 KB
def test_a_frozen_engine_is_replaced_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copies: int
) -> None:
    monkeypatch.setattr(engine_process, "ANSWER_TIMEOUT_S", 2.0)  # loading
    monkeypatch.setattr(engine_process, "EVALUATE_BASE_S", 2.0)  # a batch: 2 s, and
    monkeypatch.setattr(engine_process, "PER_POST_S", 0.0001)  # 4 s for 40,000 posts
    evaluator = _evaluator(tmp_path)
    assert _ids(evaluator) == EXPECTED
    frozen = evaluator.engine.pid
    assert frozen is not None
    batch = [SignalFacts("audit", "", f"串标 {n}", amount=60000 + n) for n in range(copies)]
    answers: list[object] = []
    os.kill(frozen, signal.SIGSTOP)
    try:
        worker = threading.Thread(target=lambda: answers.append(evaluator.match_many(batch)),
                                  daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(30)
        hung = worker.is_alive()
    finally:  # unblock the writer if it hung (the engine may have killed and reaped it)
        with contextlib.suppress(ProcessLookupError):
            os.kill(frozen, signal.SIGKILL)
    assert not hung, "the batch waited on the frozen engine past its timeout"
    assert time.monotonic() - started < 30
    [matched] = answers
    assert [[m.rule_id for m in ms] for ms in matched] == [["bid", "big"]] * copies  # type: ignore[attr-defined]
    assert evaluator.engine.started == 2 and evaluator.engine.pid != frozen
    assert _ids(evaluator) == EXPECTED
