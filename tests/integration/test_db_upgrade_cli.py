"""`qingfeng db upgrade --revision R` says what the database is at, and names an unknown R.

An unknown revision ended in alembic's CommandError traceback; a revision older than the
database's printed 数据库已迁移到 0007a while the database stayed at the head (Alembic
does not go down on upgrade).
"""

import pytest
from click.testing import CliRunner

from warning.cli.main import cli
from warning.db.migrate import head_revision


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    return db_url


def test_an_unknown_revision_is_named_without_a_traceback(env: str) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade", "--revision", "nonsense"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "nonsense" in result.output and "迁移版本" in result.output


def test_an_older_revision_reports_the_database_as_it_is(env: str) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade", "--revision", "0007a"])
    assert result.exit_code == 0, result.output
    assert f"数据库已迁移到 {head_revision(env)}" in result.output, result.output
    assert "数据库已迁移到 0007a" not in result.output
