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


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    """require_migrated reads the head from the migration files without importing Alembic."""
    from warning.db.migrate import _alembic_head, _declared_head

    assert _declared_head() == _alembic_head("") != ""


def test_a_database_one_migration_behind_is_refused(tmp_path: Path) -> None:
    from alembic import command

    from warning.db.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "-1")
    engine = make_engine(url)
    with pytest.raises(NotMigratedError, match="qingfeng db upgrade"):
        require_migrated(engine)
    engine.dispose()
