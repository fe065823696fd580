"""Processes that migrate one database at the same moment all succeed.

Each instance's systemd unit runs `qingfeng db upgrade` before it starts (deploy/systemd),
and any number of instances share one PostgreSQL database: on an upgrade day they restart
together. Two migrations at once ran the same DDL twice; one ended in a UniqueViolation
traceback and its unit failed to start. On SQLite the same happened to a `db upgrade` typed
while the unit's ran (duplicate column name). Now migrations are serialised (an advisory
lock on PostgreSQL, a flock beside the SQLite file): the second waits, finds the database
at the head and has nothing to do.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.db.engine import make_engine
from warning.db.migrate import current_revision, head_revision

__all__ = ["new_database"]  # the fixture


def test_three_migrations_at_once_all_succeed(new_database: EmptyDatabase) -> None:
    url = new_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env["QINGFENG_DATABASE_URL"] = url
    command = [str(Path(sys.executable).parent / "qingfeng"), "db", "upgrade"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output
        assert "Traceback" not in output, output
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision(url)
    finally:
        engine.dispose()
