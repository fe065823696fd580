"""An import stores its signals claimed by its own process, as intake does.

Evaluating them then rewrites each row once (evaluated), not twice (claimed, evaluated);
the retry job cannot take them while the import holds them, and a lease that ran out is
taken back through a locking claim rather than assumed.
"""

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from warning.db.claims import process_owner
from warning.db.models import Signal
from warning.db.models.base import utcnow
from warning.runtime import Runtime
from warning.services.evaluation_claims import claim_due, claim_ids
from warning.services.signal_import import SignalFile, evaluate, store


def _file(tmp_path: Path, rows: int) -> SignalFile:
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(json.dumps({
        "channel": "petition", "external_id": f"L-{n}", "title": f"来信{n}",
        "text": "反映设备采购中存在串标" if n % 2 else "反映食堂卫生问题",
        "department": "CGZX"}, ensure_ascii=False) for n in range(rows)), encoding="utf-8")
    return SignalFile(path)


def test_stored_signals_are_held_by_the_importing_process_until_evaluated(
    runtime: Runtime, tmp_path: Path
) -> None:
    ids, created = store(_file(tmp_path, 300), runtime)
    assert created == 300
    now = utcnow()
    with runtime.sessions() as session, session.begin():
        owners = set(session.scalars(select(Signal.lease_owner)))
        # the retry job, run now, finds nothing free to take
        assert claim_due(session, runtime.intake.policy, now) == []
    assert owners == {process_owner()}
    evaluated, _, _ = evaluate(runtime, ids)
    assert evaluated == 300
    with runtime.sessions() as session:
        leases = set(session.execute(select(Signal.lease_owner, Signal.lease_expires_at)))
    assert leases == {("", None)}


def test_an_expired_lease_of_ours_is_claimed_again_not_assumed(
    runtime: Runtime, tmp_path: Path
) -> None:
    ids, _ = store(_file(tmp_path, 20), runtime)
    later = utcnow() + timedelta(seconds=runtime.intake.policy.lease_seconds + 60)
    with runtime.sessions() as session, session.begin():
        claimed = claim_ids(session, list(ids), runtime.intake.policy, later)
        expires = set(session.scalars(select(Signal.lease_expires_at)))
    assert claimed == sorted(ids)
    assert len(expires) == 1 and expires.pop() > later  # a new lease, from `later`


def test_a_file_that_repeats_a_row_or_meets_stored_rows_stores_each_key_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    """On PostgreSQL the straight COPY fails on the unique index and the rows are staged."""
    first, created = store(_file(tmp_path, 250), runtime)
    assert created == 250 and len(set(first)) == 250
    path = tmp_path / "more.jsonl"
    lines = (tmp_path / "signals.jsonl").read_text(encoding="utf-8").splitlines()
    extra = [json.dumps({"channel": "petition", "external_id": f"M-{n}", "title": "来信",
                         "department": "CGZX"}) for n in range(300)]
    path.write_text("\n".join([*extra[:150], lines[7], *extra[150:], extra[3]]),
                    encoding="utf-8")
    ids, created = store(SignalFile(path), runtime)
    assert created == 300
    assert len(ids) == 302 and ids[150] == first[7] and ids[-1] == ids[3]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == 550
