"""Compare our evaluation with posting the same signals through raw durable-rules."""

import json
import time
from pathlib import Path
from typing import Any

from warning.rules import engine
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import load_rulebook


def _facts(body: dict[str, Any]) -> SignalFacts:
    amount = body.get("amount")
    return SignalFacts(channel=body["channel"], title=body.get("title", ""),
                       text=body.get("text", ""), department=body.get("department"),
                       person=body.get("person"),
                       amount=float(amount) if amount not in (None, "") else None)


def raw_durable_comparison(rules_dir: Path, signals_json: Path) -> dict[str, float]:
    """Return signals/s for our evaluator and for raw durable-rules with `$mt` text tests."""
    rulebook = load_rulebook(rules_dir, risk_points=None, channels=None)
    bodies = json.loads(signals_json.read_text(encoding="utf-8"))
    facts = [_facts(b) for b in bodies]
    evaluator = Evaluator(rulebook)
    start = time.perf_counter()
    ours = sum(len(m) for m in evaluator.match_many(facts))
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    raw = engine.raw_durable_run(rulebook.rules, facts)
    raw_s = time.perf_counter() - start
    return {"ours_per_s": len(facts) / ours_s, "raw_per_s": len(facts) / raw_s,
            "ours_matches": ours, "raw_matches": raw}
