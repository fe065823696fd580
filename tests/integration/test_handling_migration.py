"""Migration 0002 (users, tokens, outbox) goes down and up again on both databases."""

from alembic import command
from sqlalchemy import inspect

from warning.db.engine import make_engine
from warning.db.migrate import alembic_config

NEW_TABLES = {"users", "api_tokens", "supervised_departments", "notices", "deliveries"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0002_downgrades_and_upgrades(db_url: str) -> None:
    assert _tables(db_url) >= NEW_TABLES
    command.downgrade(alembic_config(db_url), "0001")
    assert not NEW_TABLES & _tables(db_url)
    command.upgrade(alembic_config(db_url), "head")
    assert _tables(db_url) >= NEW_TABLES
