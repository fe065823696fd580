"""`signal add` and `signal import` work on a fresh database, as `scan` does.

Followed from docs/setup-office.md (db upgrade, org import, register import), the first
`qingfeng signal import audit.csv --channel audit` ended in 渠道“audit”不存在或已停用: the
channels table is filled from the channel files only by `serve` and `scan`, while the
import already read the same files for the channel's column names.
"""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from warning.cli.main import cli
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.models import Channel, Signal

ROOT = Path(__file__).parents[2]


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh migrated database with the example organisation (the setup sequence's first
    steps), the checkout's rules and channels, no channel synced yet."""
    for name in list(os.environ):
        if name.startswith("QINGFENG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    monkeypatch.setenv("QINGFENG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(ROOT / "channels"))
    monkeypatch.chdir(tmp_path)
    org = CliRunner().invoke(cli, ["org", "import", str(ROOT / "docs/examples/org.csv")])
    assert org.exit_code == 0, org.output
    return db_url


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return (session.scalar(select(func.count()).select_from(Channel)) or 0,
                    session.scalar(select(func.count()).select_from(Signal)) or 0)
    finally:
        engine.dispose()


def test_signal_add_on_a_fresh_database_logs_the_signal(env: str) -> None:
    assert _counts(env) == (0, 0)
    result = CliRunner().invoke(cli, ["signal", "add", "--channel", "audit",
                                      "--external-id", "A-1", "--title", "采购拆分"])
    assert result.exit_code == 0, result.output
    channels, signals = _counts(env)
    assert channels > 0 and signals == 1


def test_signal_import_on_a_fresh_database_imports_the_file(env: str, tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text("审计编号,问题标题,问题描述\nA-1,采购拆分,化整为零\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path), "--channel", "audit"])
    assert result.exit_code == 0, result.output
    assert _counts(env)[1] == 1


def test_a_broken_channel_file_is_named_and_nothing_is_logged(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    channels = tmp_path / "channels"
    channels.mkdir()
    (channels / "audit.yaml").write_text("id: audit\nkind: nonsense\n", encoding="utf-8")
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(channels))
    result = CliRunner().invoke(cli, ["signal", "add", "--channel", "audit",
                                      "--external-id", "A-1", "--title", "采购拆分"])
    assert result.exit_code == 1, result.output
    assert "audit.yaml" in result.output and "Traceback" not in result.output
    assert _counts(env) == (0, 0)
