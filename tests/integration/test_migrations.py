"""The schema comes from Alembic migrations and the service refuses an unmigrated database."""

from pathlib import Path

import pytest
from sqlalchemy import select

from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import NotMigratedError, require_migrated
from warning.db.models import Category
from warning.domain.enums import DEFAULT_CATEGORIES


def test_migrated_database_has_default_categories(session_factory) -> None:
    with session_factory() as session:
        names = session.scalars(select(Category.name).order_by(Category.position)).all()
    assert tuple(names) == DEFAULT_CATEGORIES


def test_migrated_database_is_accepted(engine) -> None:
    require_migrated(engine)


def test_unmigrated_database_is_refused_naming_the_command(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(NotMigratedError, match="qingfeng db upgrade"):
        require_migrated(engine)
    make_sessionmaker(engine)
    engine.dispose()
