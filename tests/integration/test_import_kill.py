"""kill -9 of `qingfeng signal import` mid-run, then a re-run: nothing lost, twice or left."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support import DATA
from warning.db.models import RuleHit, Signal
from warning.domain.enums import SignalStatus
from warning.runtime import Runtime

ROWS = 1500


def _counts(rt: Runtime) -> tuple[int, int, int, int]:
    """Return (stored, distinct external ids, evaluated, signals with a bid-collusion hit)."""
    with rt.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Signal)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Signal.external_id)))) or 0
        evaluated = session.scalar(select(func.count()).where(
            Signal.status == SignalStatus.EVALUATED.value)) or 0
        hits = session.scalar(select(func.count()).select_from(RuleHit).where(
            RuleHit.rule_id == "bid-collusion")) or 0
    return stored, distinct, evaluated, hits


def _evaluating(runtime: Runtime) -> bool:
    """Return whether the import is evaluating: on SQLite some signals are stored and
    evaluated; on PostgreSQL, which stores and evaluates in one transaction, that
    transaction has written (its backend has a transaction id)."""
    if runtime.engine.dialect.name == "sqlite":
        return _counts(runtime)[2] >= 200
    with runtime.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        ).scalar())


@pytest.mark.slow
def test_a_killed_import_run_again_stores_each_row_once_and_evaluates_all(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(json.dumps({
        "channel": "petition", "external_id": f"K-{n}", "title": f"来信{n}",
        "text": "反映设备采购中存在串标" if n % 2 else "反映食堂卫生问题",
        "department": "CGZX", "person": f"人员{n}",
    }, ensure_ascii=False) for n in range(ROWS)), encoding="utf-8")
    env = os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"),
    }
    command = [sys.executable, "-m", "warning.cli.main", "signal", "import", str(path)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if _evaluating(runtime):
            break
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    code = first.wait(timeout=30)
    assert code == -signal.SIGKILL, first.stderr.read() if first.stderr else code
    stored, _, evaluated, _ = _counts(runtime)
    assert stored in (0, ROWS) and evaluated < ROWS  # all or nothing, evaluation cut short
    if runtime.engine.dialect.name == "postgresql":
        assert stored == 0  # stored and evaluated in one transaction, which died with it
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"本次评估 {ROWS - evaluated} 条" in again.stdout, (evaluated, again.stdout)
    assert _counts(runtime) == (ROWS, ROWS, ROWS, ROWS // 2)


def _staging(runtime: Runtime, scratch: Path) -> bool:
    """Return whether an import is in its store pass: rows being staged, nothing stored."""
    if runtime.engine.dialect.name == "sqlite":
        return any(scratch.glob("qingfeng-import-*/staging.db"))
    with runtime.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'COPY %%'"
        ).scalar())


@pytest.mark.slow
def test_an_import_killed_while_storing_stores_nothing_and_a_rerun_stores_all_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    """kill -9 in the store pass (while COPYing into `signals` on PostgreSQL)."""
    rows = 3000
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(json.dumps({
        "channel": "petition", "external_id": f"S-{n}", "title": f"来信{n}",
        "text": ("反映设备采购中存在串标" if n % 2 else "反映食堂卫生问题") + "情况说明" * 100,
        "department": "CGZX", "person": f"人员{n}",
    }, ensure_ascii=False) for n in range(rows)), encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"), "TMPDIR": str(scratch),
    }
    command = [sys.executable, "-m", "warning.cli.main", "signal", "import", str(path),
               "--batch", "200"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None and not _staging(runtime,
                                                                                 scratch):
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    code = first.wait(timeout=30)
    assert code == -signal.SIGKILL, first.stderr.read() if first.stderr else code
    assert _counts(runtime)[0] == 0  # killed while staging: nothing in signals
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"新增 {rows} 条信号" in again.stdout and f"本次评估 {rows} 条" in again.stdout
    assert _counts(runtime) == (rows, rows, rows, rows // 2)
