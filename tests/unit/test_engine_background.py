"""An engine started in the background (`qingfeng signal import`): the caller does not wait
for the child, answers are the same, and a child that cannot start fails batches, not the
process."""

import time
from pathlib import Path

import pytest
import yaml

from warning.rules import engine_process
from warning.rules.engine_process import EngineCrashed, EngineHost
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import load_rulebook
from warning.services.rule_service import RuleService

RULES = [
    {"id": "bid", "name": "串标", "risk_point": "P-1", "when": {"text": {"any": ["串标"]}}},
    {"id": "big", "name": "大额", "risk_point": "P-2",
     "when": {"channels": ["audit"], "text": {"any": ["采购"]}, "amount": {"gte": 50000}}},
]
BATCH = [SignalFacts("audit", "", "串标 采购", amount=60000), SignalFacts("audit", "", "无"),
         SignalFacts("petition", "", "串标 采购", amount=60000)]
EXPECTED = [["bid", "big"], [], ["bid"]]
SLOW_CHILD = "import time; time.sleep(2); from warning.rules.engine import main; main()"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"rules": RULES}, allow_unicode=True),
                                     encoding="utf-8")
    return tmp_path


def _ids(evaluator: Evaluator, batch: list[SignalFacts] = BATCH) -> list[list[str]]:
    return [[m.rule_id for m in ms] for ms in evaluator.match_many(batch)]


def test_the_caller_does_not_wait_for_a_background_engine(
    rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "_CHILD", SLOW_CHILD)
    book = load_rulebook(rules_dir, risk_points=None, channels=None)
    start = time.monotonic()
    evaluator = Evaluator(book, host=EngineHost(), wait=False)
    assert time.monotonic() - start < 1.5  # the child sleeps 2 s before it loads
    assert _ids(evaluator, [SignalFacts("audit", "", "无")] * 50) == [[]] * 50
    assert _ids(evaluator) == EXPECTED  # waits for the child, then the same answers
    assert evaluator.engine.started == 1
    start = time.monotonic()
    Evaluator(book, host=EngineHost(), wait=True)
    assert time.monotonic() - start >= 2  # the foreground start does wait


def test_a_background_engine_that_cannot_start_fails_batches_not_the_process(
    rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "_CHILD", "import os; os.abort()")
    rules = RuleService(rules_dir, host=EngineHost(), engine_in_background=True)
    assert rules.load() == []  # in force: the engine is not waited for
    evaluator = rules.current().evaluator
    assert _ids(evaluator, [SignalFacts("audit", "", "无")]) == [[]]  # no candidate: no engine
    with pytest.raises(EngineCrashed, match="engine failed twice"):
        evaluator.match_many(BATCH)
    with pytest.raises(EngineCrashed):
        evaluator.engine.ready()
    monkeypatch.undo()
    assert _ids(evaluator) == EXPECTED  # a later batch gets a healthy engine
    evaluator.engine.ready()


def test_a_foreground_load_still_refuses_a_rule_book_the_engine_cannot_take(
    rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "_CHILD", "import os; os.abort()")
    rules = RuleService(rules_dir, host=EngineHost())
    problems = rules.load()
    assert problems and "engine failed twice" in str(problems[0])
    assert rules.loaded() is None
