"""`qingfeng signal import` in its own process, the retry job in another: every signal ends
evaluated, also after the import is killed -9 and run again."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.integration.served import ROOT
from warning.db.models import RuleHit, Signal
from warning.runtime import Runtime
from warning.services.retry import retry_due

ROWS = 3000


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "signals.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(ROWS):
            out.write(json.dumps({"channel": "petition", "external_id": f"F-{n}",
                                  "title": f"来信{n}", "department": "CGZX",
                                  "text": "反映串标" if n % 3 == 0 else "其他事项",
                                  "person": f"人员{n}"}, ensure_ascii=False) + "\n")
    return path


def _import(runtime: Runtime, path: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"QINGFENG_DATABASE_URL": runtime.settings.database_url,
                        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
                        "QINGFENG_CHANNELS_DIR": str(runtime.settings.channels_dir)}
    return subprocess.Popen([sys.executable, "-m", "warning.cli.main", "signal", "import",
                             str(path), "--batch", "100"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _statuses(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return dict(session.execute(select(Signal.status, func.count())  # type: ignore[arg-type]
                                    .group_by(Signal.status)).all())


def _under_way(runtime: Runtime) -> bool:
    """Return whether the import is mid-way: on SQLite a third of the rows stored; on
    PostgreSQL (stored and evaluated in one transaction) that transaction has written."""
    if runtime.engine.dialect.name == "sqlite":
        return sum(_statuses(runtime).values()) >= ROWS // 3
    with runtime.engine.connect() as conn:
        return bool(conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()").scalar())


def _hits(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session:
        return (session.scalar(select(func.count()).select_from(RuleHit)) or 0,
                session.scalar(select(func.count(func.distinct(RuleHit.signal_id)))) or 0)


def test_the_retry_job_during_an_import_then_after_its_kill_and_rerun(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = _file(tmp_path)
    stop = threading.Event()
    taken: list[int] = []

    def retry_loop() -> None:  # the scheduler's job, in this process, as often as it can
        while not stop.is_set():
            taken.append(retry_due(runtime.intake, budget_s=2).tried)
            time.sleep(0.05)

    retrier = threading.Thread(target=retry_loop)
    retrier.start()
    try:
        first = _import(runtime, path)
        while not _under_way(runtime) and first.poll() is None:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)  # an import interrupted mid-way
        first.wait()
        again = _import(runtime, path)
        _, err = again.communicate(timeout=300)
        assert again.returncode == 0, err.decode()
        deadline = time.monotonic() + 60  # the retry job takes the killed run's leases
        while set(_statuses(runtime)) != {"evaluated"} and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        retrier.join()
    assert _statuses(runtime) == {"evaluated": ROWS}
    assert _hits(runtime) == (ROWS // 3, ROWS // 3)  # each matching signal evaluated once
    with runtime.sessions() as session:  # never taken in flight, so never failed
        assert session.scalar(select(func.max(Signal.attempts))) == 0
