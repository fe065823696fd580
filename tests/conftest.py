"""Shared fixtures: the same integration tests run on SQLite and on PostgreSQL.

PostgreSQL comes from QINGFENG_TEST_PG_URL (default: the local server on 127.0.0.1:5432,
database `test`). Each pytest run creates its own scratch database on that server, so
concurrent runs never collide. Outside CI a missing server skips the PostgreSQL half with
a message; in CI (CI=true) it fails instead.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import upgrade
from warning.db.models import Base
from warning.domain.enums import DEFAULT_CATEGORIES

PG_ADMIN_URL = os.environ.get(
    "QINGFENG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
HOW_TO_RUN_PG = (
    "PostgreSQL not reachable at {url}: start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
    "or set QINGFENG_TEST_PG_URL ({error})"
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core and one more.

    Many tests spend their time waiting, not computing: on servers they started, on killed
    and restarted processes, on rule files settling. On 2 cores, 3 workers ran the whole
    suite in 20.1 min against 23.4 min for 2, the same tests passing (bench/RESULTS.md)."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the files holding a slow test first, each file kept whole and in order.

    xdist (--dist loadfile) hands out files in this order; a slow file handed out last kept
    one worker busy for minutes while the other had nothing left to do."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # a stable sort


@pytest.fixture(autouse=True)
def _data_dir_of_the_run(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the default data directory (the parsed-rules cache, a default SQLite file) in
    this run's temporary directory, never in the user's home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


def _pg_scratch_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Create a scratch PostgreSQL database for this run, migrated to head."""
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=None)
    name = f"qf_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        message = HOW_TO_RUN_PG.format(url=PG_ADMIN_URL, error=type(error).__name__)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = _pg_scratch_url(PG_ADMIN_URL, name)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file per run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: each integration test runs once per backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qingfeng.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_database")
    yield url
    _truncate_all(url)


def _truncate_all(url: str) -> None:
    """Leave the worker's PostgreSQL database as the migrations made it, as each SQLite test
    starts from a copy of the migrated file: every table emptied, and the categories the
    first migration seeds put back (a test that renamed or poisoned them, like
    test_docx_hostile_text, would otherwise fail the next test's register import)."""
    engine = make_engine(url)
    # id_counters holds the key its migration drew: kept, its counter started again
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables
                       if t.name != "id_counters")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE id_counters SET last = 0"))
        conn.execute(text("ALTER SEQUENCE warnings_numbers RESTART"))
        conn.execute(text("INSERT INTO categories (name, position) VALUES (:name, :position)"),
                     [{"name": n, "position": i} for i, n in enumerate(DEFAULT_CATEGORIES)])
        if "apscheduler_jobs" in _table_names(conn):
            conn.execute(text("DELETE FROM apscheduler_jobs"))
    engine.dispose()


def _table_names(conn: object) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())  # type: ignore[arg-type]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory on the test database."""
    return make_sessionmaker(engine)
