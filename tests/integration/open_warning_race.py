"""A worker process for the open-warning race test: its own runtime, engine and pool."""

from multiprocessing import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from tests.support import DATA
from warning.runtime import build_runtime
from warning.services.signal_input import SignalIn
from warning.settings import load_settings

SUBJECTS = 12


def race(db_url: str, rules_dir: str, worker: int, rounds: int, barrier: Barrier,
         results: Queue) -> None:
    """Raise warnings about the shared subjects in small batches; put how many were stored."""
    settings = load_settings(database_url=db_url, rules_dir=Path(rules_dir),
                             channels_dir=DATA / "channels", intake_batch_wait_ms=1.0)
    rt = build_runtime(settings, load_rules=False)
    assert rt.rules.load() == []
    stored = 0
    barrier.wait(timeout=60)
    for round_ in range(rounds):
        batch = [
            SignalIn.model_validate({
                "channel": "petition", "external_id": f"R-{worker}-{round_}-{n}",
                "title": "反映串标", "text": f"第{round_}轮: 某人参与串标",
                "department": "CGZX", "person": f"人员{(n + worker + round_) % SUBJECTS}",
            })
            for n in range(4)
        ]
        stored += sum(1 for o in rt.intake.ingest(batch) if o.created)
    results.put(stored)
    rt.close()
