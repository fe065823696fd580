"""Empty databases on demand (no tables at all), on SQLite or PostgreSQL, dropped afterwards."""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import HOW_TO_RUN_PG, IN_CI, PG_ADMIN_URL, _pg_scratch_url
from warning.db.engine import make_engine

EmptyDatabase = Callable[[], str]


@pytest.fixture
def new_database(db_url: str, tmp_path: Path) -> Iterator[EmptyDatabase]:
    """Return a function that makes new, empty databases on the backend of `db_url`."""
    created: list[str] = []
    if db_url.startswith("sqlite"):
        def sqlite() -> str:
            created.append(uuid.uuid4().hex[:8])
            return f"sqlite:///{tmp_path / f'empty-{created[-1]}.db'}"

        yield sqlite
        return
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=None)

    def postgres() -> str:
        name = f"qf_empty_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:
            message = HOW_TO_RUN_PG.format(url=PG_ADMIN_URL, error=type(error).__name__)
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        created.append(name)
        return _pg_scratch_url(PG_ADMIN_URL, name)

    yield postgres
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
