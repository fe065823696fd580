"""A command sees the rule files once, so it waits at least the settle time for them.

Before: every load waited at most 15 s, but a new process sees files settle only by
watching them for QINGFENG_RULES_SETTLE_SECONDS (or by their change times being that old).
With the setting above 15 s, a file saved a moment ago, or dated in the future (a clock
ahead, a tarball from such a machine), made `qingfeng signal import` refuse the rule files
as "still being written" on every run, though nothing changed.
"""

import os
import time
from pathlib import Path
from typing import Any

import pytest

from warning.cli import common
from warning.rules.engine_process import EngineHost
from warning.rules.settling import WAIT_S, first_look_wait
from warning.services.rule_service import RuleService

RULES = ("rules:\n  - id: r1\n    name: 规则一\n    risk_point: P\n"
         "    when:\n      channels: [audit]\n      text: {any: [围标]}\n")


def test_the_first_look_waits_the_settle_time_and_a_half_when_that_is_longer() -> None:
    assert first_look_wait(1.0) == WAIT_S
    assert first_look_wait(20.0) == 30.0
    assert first_look_wait(0.4, 0.2) == pytest.approx(0.6)


def test_a_file_dated_in_the_future_loads_once_watched_for_the_settle_time(
    tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(RULES, encoding="utf-8")
    tomorrow = time.time() + 86_400
    os.utime(path, (tomorrow, tomorrow))
    service = RuleService(tmp_path, host=EngineHost(), known_refs=lambda: ({"P"}, {"audit"}),
                          settle_s=0.4)
    [problem] = service.load(wait_s=0.2)  # a process that waits less never sees it settle
    assert "一直在变化" in problem.message
    fresh = RuleService(tmp_path, host=EngineHost(), known_refs=lambda: ({"P"}, {"audit"}),
                        settle_s=0.4)
    assert fresh.load(wait_s=first_look_wait(0.4, 0.2)) == []


class _Built(Exception):
    pass


def test_a_command_loads_its_rules_with_the_first_look_wait(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def build(_settings: object, **options: Any) -> None:
        seen.update(options)
        raise _Built

    monkeypatch.setenv("QINGFENG_RULES_SETTLE_SECONDS", "20")
    monkeypatch.setattr(common, "build_runtime", build)
    with pytest.raises(_Built), common.runtime():
        pass
    assert seen["rules_wait_s"] == 30.0
