"""Receipt lookups: does the work (and so the time) tell a known code from a wrong one?

Stores N anonymous petitions, then times `receipt_status` (the service, without the page's
0.3 s floor) for known codes, unknown well-formed codes and malformed input, interleaved,
each in its own session as the page does. Prints p50 / p99 / mean per kind and, in the same
run, the raw limit: one `SELECT 1` in a fresh session. The page answers after at least
LOOKUP_FLOOR_SECONDS; the floor hides a difference only if the service is well under it.
Run: .venv/bin/python bench/receipt_lookup_bench.py [--petitions 2000] [--rounds 1000]
"""

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import DATA, seed_org
from warning.db.engine import make_engine
from warning.db.migrate import upgrade
from warning.petitions.errors import ReporterNotFound
from warning.petitions.input import PetitionIn
from warning.petitions.receipts import new_receipt_code
from warning.petitions.service import receipt_status, store_petition
from warning.runtime import build_runtime
from warning.settings import load_settings
from warning.web.pages.public_report import LOOKUP_FLOOR_SECONDS


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered) * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms  "
            f"mean {statistics.fmean(ordered) * 1000:6.2f} ms")


def run(url: str, petitions: int, rounds: int) -> None:
    upgrade(url)
    runtime = build_runtime(load_settings(database_url=url, rules_dir=DATA / "rules",
                                          channels_dir=DATA / "channels"), load_rules=False)
    seed_org(runtime.sessions)
    runtime.sync_channels()
    codes = []
    started = time.perf_counter()
    for n in range(petitions):
        with runtime.sessions() as session, session.begin():
            stored = store_petition(session, cipher=None, petition=PetitionIn(
                title=f"匿名举报 {n}", text=f"反映第 {n} 号问题 {uuid.uuid4().hex}",
                anonymous=True))
            codes.append(stored.receipt_code)
    print(f"{runtime.engine.dialect.name}: stored {petitions} anonymous petitions in "
          f"{time.perf_counter() - started:.1f} s")
    kinds: dict[str, list[float]] = {"known": [], "unknown": [], "malformed": [], "SELECT 1": []}
    cpu = time.process_time()
    for _ in range(rounds):
        order = list(kinds)
        random.shuffle(order)
        for kind in order:
            code = {"known": random.choice(codes), "unknown": new_receipt_code(),
                    "malformed": "!!-不是回执码-!!", "SELECT 1": ""}[kind]
            began = time.perf_counter()
            with runtime.sessions() as session:
                if kind == "SELECT 1":
                    session.execute(text("SELECT 1")).scalar()
                else:
                    with contextlib.suppress(ReporterNotFound):
                        receipt_status(session, str(code))
            kinds[kind].append(time.perf_counter() - began)
    cpu_ms = (time.process_time() - cpu) * 1000 / (rounds * len(kinds))
    for kind, times in kinds.items():
        print(f"  {kind:10s} {_figures(times)}")
    gap = statistics.fmean(kinds["known"]) - statistics.fmean(kinds["unknown"])
    print(f"  known - unknown mean: {gap * 1000:+.2f} ms; page floor "
          f"{LOOKUP_FLOOR_SECONDS * 1000:.0f} ms; client CPU {cpu_ms:.2f} ms per call")
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--petitions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    run(f"sqlite:///{tempfile.mkdtemp()}/receipts.db", args.petitions, args.rounds)
    admin = make_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"qf_receipts_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(args.pg_url.rsplit("/", 1)[0] + "/" + name, args.petitions, args.rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
