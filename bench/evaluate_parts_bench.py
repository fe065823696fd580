"""Evaluation transaction bench: SQLite's execute against Python for one batch of signals.

Stores 1,000 signals of a `rules_bench.py` kind (after a first 1,000 evaluated, so there are
open warnings to join), matches them once, then times `Intake.evaluate_in` on them several
times, each run rolled back: the minimum CPU of the runs, and of it the time inside the
driver's execute (SQLite's own work and binding). No commit, no engine, no start-up: the
part of a batch the intake's code decides. Steadier than end-to-end figures on a shared
machine. Run from a checkout (its `warning` package is the one measured):
    .venv/bin/python bench/evaluate_parts_bench.py [--kind dense] [--runs 5]
"""

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import event  # noqa: E402

from bench.rules_bench import KINDS, _runtime, bodies_for, points_of  # noqa: E402
from bench.workload import seed_database, write_files  # noqa: E402


class _Undo(Exception):
    """Roll the timed run back."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=KINDS[1:], default="dense")
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from warning.services.signal_input import SignalIn

    try:
        from warning.db.unchecked import unchecked_transaction
    except ImportError:  # a checkout from before it (foreign keys on)
        from contextlib import contextmanager

        @contextmanager  # type: ignore[no-redef]
        def unchecked_transaction(sessions):  # type: ignore[no-untyped-def]
            with sessions() as session, session.begin():
                yield session

    with tempfile.TemporaryDirectory(prefix="qf-parts-") as tmp:
        root = Path(tmp)
        work = write_files(root, args.rules, points_of(args.kind))
        url = f"sqlite:///{root / 'parts.db'}"
        seed_database(url, points_of(args.kind) or args.rules)
        rt = _runtime(url, root)
        bodies = [SignalIn.model_validate(b)
                  for b in bodies_for(args.kind, 2000, work.keywords, 1)]
        rt.intake.ingest(bodies[:1000])
        _, fresh = rt.intake._store(bodies[1000:])
        rt.intake.directory_ttl_s = 1e9
        with rt.sessions() as session:
            directory = rt.intake.directory(session)
        rules = rt.intake.rules()
        matches = rt.intake.match(fresh, rules, directory)
        in_driver = [0.0, 0.0]

        @event.listens_for(rt.engine, "before_cursor_execute")
        def _before(*_args: object) -> None:
            in_driver[1] = time.process_time()

        @event.listens_for(rt.engine, "after_cursor_execute")
        def _after(*_args: object) -> None:
            in_driver[0] += time.process_time() - in_driver[1]

        best = (float("inf"), 0.0)
        for _run in range(args.runs):
            in_driver[0] = 0.0
            gc.disable()
            try:
                with unchecked_transaction(rt.sessions) as session:
                    started = time.process_time()
                    rt.intake.evaluate_in(session, fresh, rules=rules, matches=matches)
                    used = time.process_time() - started
                    raise _Undo
            except _Undo:
                pass
            finally:
                gc.enable()
            best = min(best, (used, in_driver[0]))
        rt.close()
    n = len(fresh)
    print(f"{args.rules} rules, {args.kind}, {n} signals, min of {args.runs} runs: "
          f"evaluate_in {1000 * best[0] / n:.3f} ms CPU a signal, of which the driver's "
          f"execute {1000 * best[1] / n:.3f} and Python {1000 * (best[0] - best[1]) / n:.3f}")


if __name__ == "__main__":
    main()
