"""Every command reads the same QINGFENG_ settings; flags override; config masks secrets."""

import re
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warning.cli.main import cli
from warning.db.models import Channel
from warning.demo.load import load_org

ROOT = Path(__file__).parents[2]
BROKEN_RULE = "rules:\n  - id: r1\n    name: 规则\n    risk_point: P\n"


@pytest.fixture
def env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean QINGFENG_ environment naming the test database; returns a scratch directory."""
    for name in list(__import__("os").environ):
        if name.startswith("QINGFENG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_rules_check_reads_the_rules_dir_setting(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = env / "broken"
    broken.mkdir()
    (broken / "a.yaml").write_text(BROKEN_RULE, encoding="utf-8")
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(ROOT / "channels"))
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(broken))
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 1 and "a.yaml" in result.output
    result = CliRunner().invoke(cli, ["--rules-dir", str(ROOT / "rules"), "rules", "check"])
    assert result.exit_code == 0, result.output  # the flag overrides the setting


def test_rules_check_on_an_empty_register_says_what_to_import_first(
    env: Path, monkeypatch: pytest.MonkeyPatch, session_factory: sessionmaker[Session]
) -> None:
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(ROOT / "channels"))
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "请先导入单位组织 (qingfeng org import FILE), 再导入风险点清单" in result.output
    assert "risk_point" not in result.output  # no error per rule
    with session_factory() as session, session.begin():
        load_org(session)
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert "请先导入风险点清单 (qingfeng register import FILE)" in result.output


def test_scan_reads_the_channel_files_of_a_fresh_database(
    env: Path, monkeypatch: pytest.MonkeyPatch, session_factory: sessionmaker[Session]
) -> None:
    channels = env / "channels"
    shutil.copytree(ROOT / "channels", channels)
    with socket.socket() as probe:  # a port nothing listens on: the feed cannot be reached
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    opinion = channels / "opinion.yaml"
    opinion.write_text(re.sub(r"url: \S+", f"url: http://127.0.0.1:{closed}/feed?key=feed-secret",
                              opinion.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(channels))
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(ROOT / "rules"))
    with session_factory() as session, session.begin():
        load_org(session)  # channels name their default departments
    result = CliRunner().invoke(cli, ["scan"])
    assert result.exit_code == 0, result.output
    assert "订阅源：1" in result.output and "出错的订阅源：1" in result.output
    # which feed failed, at which address (its key masked) and why, not just a count
    assert f"opinion http://127.0.0.1:{closed}/feed?******: 连接被拒绝" in result.output
    assert "feed-secret" not in result.output
    with session_factory() as session:
        ids = set(session.scalars(select(Channel.code)))
    assert "opinion" in ids and "petition" in ids


def test_config_shows_every_setting_with_secrets_masked(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "QINGFENG_SMTP_PASSWORD": "smtp-pass-123",
        "QINGFENG_SECRET_KEY": "cookie-key-456",
        "QINGFENG_REPORTER_KEY": "fernet-key-789",
        "QINGFENG_WEBHOOK_URLS": '{"*": "https://robot.example/send?key=hook-key-000"}',
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    url = "postgresql+psycopg://qf:db-pass-321@db.example/qingfeng"
    result = CliRunner().invoke(cli, ["--database-url", url, "config"])
    assert result.exit_code == 0, result.output
    for secret in ("smtp-pass-123", "cookie-key-456", "fernet-key-789", "hook-key-000",
                   "db-pass-321"):
        assert secret not in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "qf:******@db.example" in lines["QINGFENG_DATABASE_URL"]
    assert lines["QINGFENG_DATABASE_URL"].endswith("[命令行]")
    assert lines["QINGFENG_SMTP_PASSWORD"].endswith("[环境变量]")
    assert "robot.example" in lines["QINGFENG_WEBHOOK_URLS"]
    monkeypatch.setenv("qingfeng_smtp_port", "2525")  # read case-insensitively, shown so
    lines = {line.split()[0]: line for line in CliRunner().invoke(cli, ["config"]).output
             .splitlines()}
    assert lines["QINGFENG_SMTP_PORT"].split()[1:] == ["2525", "[环境变量]"]


def test_every_setting_is_in_the_readme() -> None:
    from warning.cli.config_cmd import settings_in_force

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in settings_in_force() if name not in readme]
    assert missing == []


def test_config_shows_every_setting_of_the_readme(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's settings table and `qingfeng config` list the same variables:
    QINGFENG_CJK_FONT, read where the review draws its charts, was missing from config."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"QINGFENG_[A-Z_]*[A-Z]", table))
    monkeypatch.setenv("QINGFENG_CJK_FONT", "/usr/share/fonts/x.ttc")
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert sorted(listed - set(lines)) == []
    assert lines["QINGFENG_CJK_FONT"].split()[1:] == ["/usr/share/fonts/x.ttc", "[环境变量]"]


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql+asyncpg://qf@db/qingfeng", "不支持的数据库驱动“postgresql+asyncpg”"),
    ("sqlite+foo:///x.db", "不支持的数据库驱动“sqlite+foo”"),
    ("postgresql+psycopg://qf@[::1/qingfeng", "无法解析"),
    ("postgresql+psycopg://qf@db:99999/qingfeng", "端口 99999 超出范围"),
])
def test_a_database_url_no_engine_can_use_is_refused_by_name(
    env: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    """A driver not installed, or a URL SQLAlchemy cannot parse, ended in a traceback at the
    first connection (ModuleNotFoundError, NoSuchModuleError, ValueError)."""
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    for command in (["db", "current"], ["org", "export", "out.csv"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
        assert f"设置有误 (invalid setting): QINGFENG_DATABASE_URL: {says}" in result.output


@pytest.mark.parametrize(("name", "value", "says"), [
    ("INTAKE_BATCH_WAIT_MS", "-1", "不能小于 0"),
    ("INTAKE_BATCH_SIZE", "0", "不能小于 1"),
    ("SESSION_HOURS", "1e308", "不能大于 744"),
    ("TOKEN_CACHE_SECONDS", "nan", "须是有限数字"),
    ("API_TOKEN_DAYS", "inf", "须是有限数字"),
])
def test_a_numeric_setting_out_of_its_bounds_is_refused_in_chinese(
    env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    """A negative QINGFENG_INTAKE_BATCH_WAIT_MS killed the intake writer; inf overflowed
    timedelta; nan passed every bound."""
    monkeypatch.setenv(f"QINGFENG_{name}", value)
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"QINGFENG_{name}: {says}" in result.output, result.output


def test_every_numeric_setting_has_both_bounds() -> None:
    from annotated_types import Ge, Gt, Le, Lt

    from warning.settings import Settings

    for name, info in Settings.model_fields.items():
        if info.annotation not in (int, float, int | None, float | None):
            continue
        kinds = {type(m) for m in info.metadata}
        assert kinds & {Ge, Gt} and kinds & {Le, Lt}, f"QINGFENG_{name.upper()} needs bounds"


@pytest.mark.parametrize("url", ["mysql://qf@db/qingfeng", "/srv/qingfeng/qingfeng.db"])
def test_a_database_the_service_does_not_run_on_is_named(
    env: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["db", "current"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("设置有误 (invalid setting): QINGFENG_DATABASE_URL: 须是 sqlite:///文件路径 或 "
            "postgresql+psycopg://") in result.output, result.output


def test_an_unknown_time_zone_is_refused_before_anything_starts(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_TIMEZONE", "Mars/Base")
    for command in (["config"], ["serve", "--port", "1"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "QINGFENG_TIMEZONE: 未知的时区“Mars/Base”" in result.output


def test_a_time_zone_area_that_is_a_directory_is_refused_by_name(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Asia' is a directory of the time zone database: ZoneInfo raises IsADirectoryError,
    which the setting's check let through, so the operator read of an unwritable file under
    site-packages/tzdata instead of the setting to change."""
    monkeypatch.setenv("QINGFENG_TIMEZONE", "Asia")
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "QINGFENG_TIMEZONE: 未知的时区“Asia”" in result.output


def test_a_delivery_lease_no_send_fits_in_is_refused_before_anything_starts(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One send may take 3 x the SMTP timeout: a lease of 20 s beside the default 10 s
    timeout meant every delivery was claimed and none ever sent."""
    monkeypatch.setenv("QINGFENG_DELIVERY_LEASE_SECONDS", "20")
    for command in (["config"], ["serve", "--port", "1"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "QINGFENG_DELIVERY_LEASE_SECONDS（20）须大于 3×QINGFENG_SMTP_TIMEOUT+5 = 35 秒" \
            in result.output, result.output
    monkeypatch.setenv("QINGFENG_SMTP_TIMEOUT", "4")
    assert CliRunner().invoke(cli, ["config"]).exit_code == 0
