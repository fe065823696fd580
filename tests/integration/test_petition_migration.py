"""Migration 0008b (petitions in full) goes down and up again on both databases."""

from alembic import command
from sqlalchemy import inspect

from warning.db.engine import make_engine
from warning.db.migrate import alembic_config, upgrade

NEW = {"intake_mode", "reply", "reply_at", "reply_by"}


def _shape(url: str) -> tuple[set[str], bool]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return ({c["name"] for c in found.get_columns("reporters")},
                "petition_files" in found.get_table_names())
    finally:
        engine.dispose()


def test_0008b_downgrades_and_upgrades_again(db_url: str) -> None:
    columns, files = _shape(db_url)
    assert columns >= NEW and files
    command.downgrade(alembic_config(db_url), "0008b-1")  # just before 0008b
    columns, files = _shape(db_url)
    assert not NEW & columns and not files
    upgrade(db_url)
    columns, files = _shape(db_url)
    assert columns >= NEW and files
