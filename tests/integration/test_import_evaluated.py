"""An import stores and evaluates its signals; on PostgreSQL in one transaction, each row
written once. A failed evaluation still stores every signal, and the retry job finishes
them: nothing is lost."""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from warning.db.models import RiskPoint, RiskWarning, RuleHit, Signal
from warning.runtime import Runtime
from warning.services.retry import retry_due
from warning.services.signal_import import SignalFile, import_file

ROWS = 240


def _file(tmp_path: Path, channel: str = "audit", prefix: str = "E") -> SignalFile:
    """Every third row is about bid collusion (串标, risk point CG-001), each its own person."""
    path = tmp_path / f"{prefix}.jsonl"
    path.write_text("\n".join(json.dumps({
        "channel": channel, "external_id": f"{prefix}-{n}", "title": f"审计发现{n}",
        "text": "反映设备采购中存在串标" if n % 3 == 0 else "食堂卫生问题",
        "department": "CGZX", "person": f"人员{n}",
    }, ensure_ascii=False) for n in range(ROWS)), encoding="utf-8")
    return SignalFile(path)


def _statuses(rt: Runtime) -> dict[str, int]:
    with rt.sessions() as session:
        return dict(session.execute(  # type: ignore[arg-type]
            select(Signal.status, func.count()).group_by(Signal.status)).all())


def _rename_point(rt: Runtime, old: str, new: str) -> None:
    with rt.sessions() as session, session.begin():
        point = session.scalar(select(RiskPoint).where(RiskPoint.code == old))
        assert point is not None
        point.code = new


@pytest.mark.parametrize("channel", ["audit", "petition"])
def test_an_import_evaluates_every_row_and_raises_each_warning_once(
    runtime: Runtime, tmp_path: Path, channel: str
) -> None:
    """(petitions are linked to near duplicates, so every one of them is evaluated in full)"""
    done = import_file(_file(tmp_path, channel), runtime, chunk=50)
    assert (done.rows, done.created, done.evaluated) == (ROWS, ROWS, ROWS)
    assert _statuses(runtime) == {"evaluated": ROWS}
    with runtime.sessions() as session:
        hits = session.scalar(select(func.count()).select_from(RuleHit))
        warnings = session.scalar(select(func.count()).select_from(RiskWarning))
        leases = set(session.execute(select(Signal.lease_owner, Signal.lease_expires_at)))
    assert hits == ROWS // 3 and warnings == done.warnings == ROWS // 3
    assert leases == {("", None)}
    again = import_file(_file(tmp_path, channel), runtime, chunk=50)  # stored: staged path
    assert (again.rows, again.created, again.evaluated, again.warnings) == (ROWS, 0, 0, 0)


def test_a_failing_evaluation_stores_every_signal_for_the_retry_job(
    runtime: Runtime, tmp_path: Path
) -> None:
    _rename_point(runtime, "CG-001", "CG-001-OLD")  # every 串标 signal now fails to evaluate
    done = import_file(_file(tmp_path), runtime, chunk=50)
    assert done.created == ROWS and done.evaluated < ROWS
    statuses = _statuses(runtime)
    assert sum(statuses.values()) == ROWS and statuses["failed"] == ROWS - done.evaluated
    with runtime.sessions() as session:
        errors = set(session.scalars(select(Signal.last_error)
                                     .where(Signal.status == "failed")))
    assert all("CG-001" in error for error in errors)
    _rename_point(runtime, "CG-001-OLD", "CG-001")
    runtime.intake.clock = lambda: datetime.now(UTC) + timedelta(minutes=1)
    retry_due(runtime.intake, budget_s=None)
    assert _statuses(runtime) == {"evaluated": ROWS}
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RuleHit)) == ROWS // 3


def test_matching_that_fails_once_is_tried_again_and_always_failing_stores_them_failed(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule engine (its child process) failing: on PostgreSQL the chunk is evaluated
    again in full at once (elsewhere the retry job tries it); failing again, its signals
    are stored failed, never lost."""
    real = runtime.intake.match
    calls: list[int] = []

    def flaky(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("engine child gone")
        return real(*args)

    monkeypatch.setattr(runtime.intake, "match", flaky)
    done = import_file(_file(tmp_path), runtime, chunk=50)
    if runtime.engine.dialect.name == "postgresql":
        assert done.evaluated == ROWS
    runtime.intake.clock = lambda: datetime.now(UTC) + timedelta(minutes=1)
    retry_due(runtime.intake, budget_s=None)
    assert _statuses(runtime) == {"evaluated": ROWS}

    def broken(*args: Any) -> Any:
        raise RuntimeError("engine child gone")

    monkeypatch.setattr(runtime.intake, "match", broken)
    failed = import_file(_file(tmp_path, prefix="F"), runtime, chunk=50)
    assert failed.created == ROWS and failed.evaluated == 0
    assert _statuses(runtime) == {"evaluated": ROWS, "failed": ROWS}


def _signal_writes(rt: Runtime) -> tuple[int, int]:
    with rt.engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        ins, upd = conn.execute(text("SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables "
                                     "WHERE relname = 'signals'")).one()
    return ins, upd


def test_on_postgresql_each_imported_signal_is_written_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Stored already evaluated: no update, so no second set of trigram index entries."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's table statistics")
    runtime.engine.dispose()  # backends that exit report their counts
    before = _signal_writes(runtime)
    done = import_file(_file(tmp_path), runtime, chunk=50)
    assert done.evaluated == ROWS and done.warnings == ROWS // 3
    runtime.engine.dispose()
    deadline = time.monotonic() + 20
    after = _signal_writes(runtime)
    while after[0] - before[0] < ROWS and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _signal_writes(runtime)
    assert (after[0] - before[0], after[1] - before[1]) == (ROWS, 0)


def test_amounts_are_imported_exactly(runtime: Runtime, tmp_path: Path) -> None:
    """COPY binds each value as a statement would: an amount never passes through a float."""
    path = tmp_path / "amounts.jsonl"
    amounts = ["99999999999999.99", "0.01", "12000.5"]
    path.write_text("\n".join(json.dumps({
        "channel": "audit", "external_id": f"A-{n}", "title": "审计发现", "amount": amount,
        "department": "CGZX"}) for n, amount in enumerate(amounts * 100)), encoding="utf-8")
    import_file(SignalFile(path), runtime, chunk=100)
    with runtime.sessions() as session:
        stored = session.execute(select(Signal.external_id, Signal.amount)).all()
    assert len(stored) == 300
    assert all(amount == Decimal(amounts[int(key[2:]) % 3]) for key, amount in stored)


def test_amounts_written_as_json_numbers_are_imported_exactly(
    runtime: Runtime, tmp_path: Path
) -> None:
    """A JSON number is the decimal written, never a float: 99999999999999.99 was stored as
    ...98, and 999999999999999.99 refused as out of range."""
    path = tmp_path / "numbers.jsonl"
    amounts = ["99999999999999.99", "999999999999999.99", "0.1", "12000.50"]
    path.write_text("\n".join(
        f'{{"channel": "audit", "external_id": "N-{n}", "title": "审计发现", '
        f'"department": "CGZX", "amount": {amount}}}' for n, amount in enumerate(amounts)),
        encoding="utf-8")
    import_file(SignalFile(path), runtime, chunk=100)
    with runtime.sessions() as session:
        stored = dict(session.execute(select(Signal.external_id, Signal.amount)).all())
    assert stored == {f"N-{n}": Decimal(a) for n, a in enumerate(amounts)}
