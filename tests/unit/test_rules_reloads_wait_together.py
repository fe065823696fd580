"""Reloads asked at once while the files are being written wait together, not in a queue.

Before: each reload waited for the files inside the reload lock, so with files that never
settled the third of three reloads asked at once answered after three waits (each holding
one of the service's route threads all the while).
"""

import threading
import time
from pathlib import Path

from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService

RULES = ("rules:\n  - id: r-{n}\n    name: 规则\n    risk_point: P\n"
         "    when: {{text: {{any: [x{n}]}}}}\n")
WAIT_S = 0.8


def test_three_reloads_on_files_that_never_settle_answer_within_one_wait(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(RULES.format(n=0), encoding="utf-8")
    service = RuleService(tmp_path, host=EngineHost(), known_refs=lambda: ({"P"}, None),
                          settle_s=0.5)
    assert service.load() == []
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            path.write_text(RULES.format(n=n), encoding="utf-8")
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    answered: list[float] = []
    started = time.monotonic()

    def reload() -> None:
        [problem] = service.load(wait_s=WAIT_S)
        assert "一直在变化" in problem.message
        answered.append(time.monotonic() - started)

    reloads = [threading.Thread(target=reload) for _ in range(3)]
    try:
        for thread in reloads:
            thread.start()
        for thread in reloads:
            thread.join(timeout=10)
    finally:
        stop.set()
        writer.join()
    assert len(answered) == 3
    assert max(answered) < WAIT_S * 2, answered  # one wait (and a read), not three
    assert set(service.current().rulebook.by_id) == {"r-0"}
