"""The wall around durable-rules: a dead or failing engine costs a retry, never the process."""

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from warning.rules.engine import ABORT_EVERY_ENV
from warning.rules.engine_process import EngineCrashed, EngineHost
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import load_rulebook

ROOT = Path(__file__).parents[2]
RULES = [
    {"id": "bid", "name": "串标", "risk_point": "P-1", "when": {"text": {"any": ["串标"]}}},
    {"id": "big", "name": "大额", "risk_point": "P-2",
     "when": {"channels": ["audit"], "amount": {"gte": 50000}}},
]


def _evaluator(folder: Path, rules: list[dict] = RULES) -> Evaluator:
    (folder / "r.yaml").write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True),
                                   encoding="utf-8")
    return Evaluator(load_rulebook(folder, risk_points=None, channels=None), host=EngineHost())


BATCH = [SignalFacts("audit", "", "串标", amount=60000), SignalFacts("audit", "", "无"),
         SignalFacts("petition", "", "串标", amount=60000)]
EXPECTED = [["bid", "big"], [], ["bid"]]


def _ids(evaluator: Evaluator) -> list[list[str]]:
    return [[m.rule_id for m in ms] for ms in evaluator.match_many(BATCH)]


def _gone(pid: int, within_s: float = 5) -> bool:
    """Return whether `pid` has exited (or is a zombie) within `within_s`, looking at least
    once."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z":
                return True
        except FileNotFoundError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def test_a_killed_engine_is_replaced_and_the_batch_answered(tmp_path: Path) -> None:
    evaluator = _evaluator(tmp_path)
    assert _ids(evaluator) == EXPECTED
    first = evaluator.engine.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    assert _ids(evaluator) == EXPECTED
    assert evaluator.engine.started == 2 and evaluator.engine.pid != first


def test_an_engine_dying_inside_a_batch_costs_one_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ABORT_EVERY_ENV, "3")  # each child aborts inside its third batch
    evaluator = _evaluator(tmp_path)
    for _ in range(6):
        assert _ids(evaluator) == EXPECTED
    assert evaluator.engine.started == 3


def test_an_engine_that_always_dies_fails_the_batch_not_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ABORT_EVERY_ENV, "1")
    evaluator = _evaluator(tmp_path)
    with pytest.raises(EngineCrashed, match="engine failed twice"):
        evaluator.match_many(BATCH)
    assert evaluator.engine.started == 2  # the first child and one fresh one for the retry
    monkeypatch.delenv(ABORT_EVERY_ENV)
    assert _ids(evaluator) == EXPECTED  # the next batch gets a healthy engine
    assert evaluator.engine.started == 3


def test_a_batch_without_candidates_never_reaches_the_engine(tmp_path: Path) -> None:
    rule = {"id": "bid", "name": "串标", "risk_point": "P-1",
            "when": {"channels": ["petition"], "text": {"any": ["串标"]}}}
    evaluator = _evaluator(tmp_path, [rule])  # its text is absent: no candidate
    pid = evaluator.engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid)
    assert evaluator.match_many([SignalFacts("petition", "", "无")] * 100) == [[]] * 100
    assert evaluator.engine.started == 1


def test_a_retired_engine_exits_once_its_evaluator_is_gone(tmp_path: Path) -> None:
    evaluator = _evaluator(tmp_path)
    pid = evaluator.engine.pid
    assert pid is not None and not _gone(pid, within_s=0.2)
    del evaluator
    gc.collect()
    assert _gone(pid)


def test_the_parent_never_loads_durable(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"rules": RULES}, allow_unicode=True),
                                     encoding="utf-8")
    script = (
        "import sys; from pathlib import Path\n"
        "from warning.rules.loader import load_rulebook\n"
        "from warning.rules.evaluator import Evaluator, SignalFacts\n"
        f"book = load_rulebook(Path({str(tmp_path)!r}), risk_points=None, channels=None)\n"
        "found = Evaluator(book).match(SignalFacts('audit', '', '串标', amount=60000))\n"
        "assert [m.rule_id for m in found] == ['bid', 'big'], found\n"
        "assert not [m for m in sys.modules if m.startswith('durable')], 'durable loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_engine_that_cannot_start_refuses_the_reload_and_keeps_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warning.rules import engine_process
    from warning.services.rule_service import RuleService

    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"rules": RULES}, allow_unicode=True),
                                     encoding="utf-8")
    rules = RuleService(tmp_path, host=EngineHost())
    assert rules.load() == []
    first = rules.current()
    changed = [{**RULES[1], "when": {"channels": ["audit"], "amount": {"gte": 1}}}]
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"rules": changed}, allow_unicode=True),
                                     encoding="utf-8")
    monkeypatch.setattr(engine_process, "_CHILD", "import os; os.abort()")
    problems = rules.load()
    assert problems and "engine failed twice" in str(problems[0])
    assert rules.current() is first
    assert [[m.rule_id for m in ms] for ms in first.evaluator.match_many(BATCH)] == EXPECTED
