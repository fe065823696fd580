"""kill -9 of `qingfeng signal import` mid-run, then a re-run: nothing lost, twice or left."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
        if _counts(runtime)[2] >= 200:  # stored, and evaluation under way
            break
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    code = first.wait(timeout=30)
    assert code == -signal.SIGKILL, first.stderr.read() if first.stderr else code
    stored, _, evaluated, _ = _counts(runtime)
    assert stored in (0, ROWS) and evaluated < ROWS  # all or nothing, evaluation cut short
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"本次评估 {ROWS - evaluated} 条" in again.stdout, (evaluated, again.stdout)
    assert _counts(runtime) == (ROWS, ROWS, ROWS, ROWS // 2)
