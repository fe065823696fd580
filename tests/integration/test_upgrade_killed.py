"""`qingfeng db upgrade` killed with SIGKILL at any moment: the next run migrates to the head.

On SQLite every DDL statement committed on its own (Python's sqlite3 begins transactions
only for INSERT, UPDATE and DELETE, and Alembic took SQLite for a database without
transactional DDL): a migration killed midway kept its tables but not its revision, and
every later `db upgrade` failed on them ("table ... already exists", a traceback), so the
service could not start again. Now all migrations of a run are one transaction on both
databases. Killed at moments spread over a whole run from an empty database.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.db.engine import make_engine
from warning.db.migrate import current_revision, head_revision

__all__ = ["new_database"]  # the fixture
KILLS = 10


def _upgrade(url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env["QINGFENG_DATABASE_URL"] = url
    return subprocess.Popen([str(Path(sys.executable).parent / "qingfeng"), "db", "upgrade"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _schema(url: str) -> tuple[str | None, dict[str, list[str]]]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return current_revision(engine), {
            table: sorted(c["name"] for c in found.get_columns(table))
            for table in sorted(found.get_table_names())}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_an_upgrade_killed_at_any_moment_is_finished_by_the_next_run(
    new_database: EmptyDatabase,
) -> None:
    reference = new_database()
    started = time.monotonic()
    whole = _upgrade(reference)
    output, _ = whole.communicate(timeout=300)
    assert whole.returncode == 0, output
    took = time.monotonic() - started
    expected = _schema(reference)
    assert expected[0] == head_revision(reference)
    problems = []
    for kill in range(KILLS):
        url = new_database()
        first = _upgrade(url)
        time.sleep(took * (0.3 + 0.7 * kill / (KILLS - 1)))  # start-up is ~30% of a run
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
        again = _upgrade(url)
        output, _ = again.communicate(timeout=300)
        if again.returncode != 0 or "Traceback" in output:
            problems.append(f"kill {kill}: the next run exited {again.returncode}: "
                            f"{output[-400:]}")
        elif _schema(url) != expected:
            problems.append(f"kill {kill}: the schema differs from a whole run's")
    assert problems == [], "\n".join(problems)


def test_a_refused_migration_changes_nothing_and_says_why_without_a_traceback(
    new_database: EmptyDatabase,
) -> None:
    url = new_database()
    engine = make_engine(url)
    with engine.begin() as conn:  # a table in the way, as an interrupted older release left
        conn.exec_driver_sql("CREATE TABLE units (id INTEGER PRIMARY KEY)")
    engine.dispose()
    run = _upgrade(url)
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 1, output
    assert "迁移失败, 数据库未作任何改变" in output and "units" in output
    assert "Traceback" not in output
    assert _schema(url) == (None, {"units": ["id"]})
