"""The SQLite write gate: one writer at a time across processes, handed over without polling."""

import fcntl
import multiprocessing
import os
import time
from pathlib import Path
from sqlite3 import OperationalError

import pytest
from sqlalchemy import text

from warning.db.engine import make_engine
from warning.db.sqlite_gate import WriteGate, gate_for


def _hold(url: str, started: "multiprocessing.synchronize.Event", seconds: float) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('holder')"))
        started.set()
        time.sleep(seconds)
    engine.dispose()


def test_a_writer_in_another_process_waits_for_the_gate_then_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    started = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold, args=(url, started, 0.6))
    holder.start()
    assert started.wait(30)
    begun = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('waiter')"))
    waited = time.monotonic() - begun
    holder.join(30)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT v FROM t ORDER BY id")).scalars().all()
    engine.dispose()
    assert rows == ["holder", "waiter"]
    assert waited > 0.3  # it waited for the holder's commit instead of failing


def _gate_is_free(lock_file: Path) -> bool:
    probe = os.open(lock_file, os.O_RDWR | os.O_CREAT)  # another open file, like another process
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(probe)
    return True


def test_the_first_write_takes_the_gate_and_commit_or_rollback_gives_it_back(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    lock_file = tmp_path / "g.db-writelock"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    for end in ("commit", "rollback"):
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM t"))
            assert _gate_is_free(lock_file)  # reading takes nothing
            conn.execute(text("INSERT INTO t DEFAULT VALUES"))
            assert not _gate_is_free(lock_file)
            getattr(conn, end)()
            assert _gate_is_free(lock_file)
    engine.dispose()


def test_engines_of_one_process_share_a_gate_and_reads_never_take_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = make_engine(url), make_engine(url)
    assert gate_for(str(tmp_path / "shared.db")) is gate_for(str(tmp_path / "shared.db"))
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t DEFAULT VALUES"))
        with second.connect() as reader:  # a read beside an open write is not held up
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    first.dispose()
    second.dispose()


def test_a_gate_held_too_long_gives_database_is_locked(tmp_path: Path) -> None:
    lock_file = tmp_path / "x-writelock"
    holder = WriteGate(lock_file)
    waiter = WriteGate(lock_file, timeout_s=0.2)  # a second open file: like another process
    holder.acquire()
    try:
        with pytest.raises(OperationalError, match="locked"):
            waiter.acquire()
    finally:
        holder.release()
    waiter.acquire()
    waiter.release()


def test_an_in_memory_database_takes_the_pool_sizes_a_file_does() -> None:
    """The scheduler leader's lease engine asks for pool_size and max_overflow: an in-memory
    database (one shared connection, no queue to size) ignores both rather than refusing."""
    from sqlalchemy import text

    from warning.db.engine import make_engine

    for url in ("sqlite://", "sqlite:///:memory:"):
        engine = make_engine(url, pool_size=1, max_overflow=1)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        engine.dispose()
