"""A fresh data directory is its owner's alone: it holds the petitions (SQLite, WAL).

The SQLite file and its WAL were created 0644 in a directory anyone could enter, so any
local account read every petition's title and text (found by an outside attack)."""

import os
import stat
from pathlib import Path

from sqlalchemy import text

from warning.db.engine import make_engine


def test_the_directory_a_sqlite_url_names_is_made_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, which left the files world-readable
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh' / 'qingfeng.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)  # an administrator's choice, e.g. a group for backups
    make_engine(f"sqlite:///{shared / 'qingfeng.db'}").dispose()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750
