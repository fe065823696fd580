"""A database migrated by a newer Qingfeng is named as such, never sent to `db upgrade`.

An office that upgrades, then goes back to the older package (a bad release, a restored
virtualenv), has a database at a revision the code does not know. Every command and the
service said "数据库版本 X，最新为 Y ... 请先运行 qingfeng db upgrade", and `db upgrade`
(the systemd unit's ExecStartPre) then failed with "无法迁移到“head”: 未知的迁移版本": the
advice led nowhere. A backup made by the newer code restored, said "备份较旧, 请运行 qingfeng
db upgrade", and left a database this code cannot serve.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.integration.scratch_db import EmptyDatabase, new_database
from warning.cli.main import cli
from warning.db.engine import make_engine
from warning.db.migrate import NotMigratedError, current_revision, require_migrated, upgrade
from warning.ops.archive import BackupError
from warning.ops.backup import make_backup
from warning.ops.restore import restore_backup
from warning.settings import load_settings

__all__ = ["new_database"]  # the fixture
NEWER = "0099z_from_a_newer_release"


def _ahead(new_database: EmptyDatabase) -> str:
    url = new_database()
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    engine.dispose()
    return url


def test_the_service_names_a_database_of_a_newer_release(new_database: EmptyDatabase) -> None:
    engine = make_engine(_ahead(new_database))
    try:
        with pytest.raises(NotMigratedError) as refused:
            require_migrated(engine)
    finally:
        engine.dispose()
    message = str(refused.value)
    assert NEWER in message and "更新版本" in message, message
    assert "db upgrade" not in message, message


def test_db_upgrade_says_it_cannot_go_back(
    new_database: EmptyDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", _ahead(new_database))
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert NEWER in result.output and "更新版本" in result.output, result.output
    assert "无法迁移到“head”" not in result.output, result.output


def test_a_backup_of_a_newer_release_is_refused_before_anything_changes(
    new_database: EmptyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QINGFENG_REPORTER_KEY", raising=False)
    archive = tmp_path / "newer.backup"
    make_backup(load_settings(database_url=_ahead(new_database),
                              attachments_dir=tmp_path / "a"), archive)
    url = new_database()
    with pytest.raises(BackupError, match="更新版本") as refused:
        restore_backup(load_settings(database_url=url, attachments_dir=tmp_path / "b"),
                       archive)
    assert NEWER in str(refused.value)
    engine = make_engine(url)
    assert current_revision(engine) is None  # nothing restored
    engine.dispose()
    assert not (tmp_path / "b").exists()
