"""Files still being written when a reload gave up on them are read by the watcher later.

Before: the refused reload remembered the files as they were when it gave up; when the
writer had just finished, nothing changed after that, so the watcher saw no change and the
complete new files were never put in force (until someone reloaded again or edited them).
"""

import threading
import time
from pathlib import Path

from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService

RULES = ("rules:\n  - id: r-{name}-1\n    name: 规则一\n    risk_point: P\n"
         "    when:\n      channels: [audit]\n      text: {{any: [围标]}}\n")
QUIET_S = 0.4


def test_files_a_reload_gave_up_on_are_loaded_once_they_settle(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(RULES.format(name="a"), encoding="utf-8")
    time.sleep(QUIET_S * 1.5)
    service = RuleService(tmp_path, host=EngineHost(), known_refs=lambda: ({"P"}, {"audit"}),
                          settle_s=QUIET_S)
    assert service.load() == []
    full = RULES.format(name="b")
    started = threading.Event()

    def write() -> None:  # one piece every 50 ms for 300 ms, then done
        with path.open("w", encoding="utf-8") as out:
            for n in range(0, len(full), len(full) // 6 + 1):
                out.write(full[n : n + len(full) // 6 + 1])
                out.flush()
                started.set()
                time.sleep(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    started.wait()
    [problem] = service.load(wait_s=0.5)  # gives up 0.2 s after the last write
    writer.join()
    assert "仍在" in problem.message or "一直在变化" in problem.message
    assert set(service.current().rulebook.by_id) == {"r-a-1"}
    time.sleep(QUIET_S * 1.5)
    assert service.reload_if_due() == []  # the watcher's next look reads them
    assert set(service.current().rulebook.by_id) == {"r-b-1"}
