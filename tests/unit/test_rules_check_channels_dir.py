"""`qingfeng rules check --channels-dir DIR` checks channel ids against DIR's channel files,
not the configured channels directory (the option was read only when no channels came from
the settings, which the real command always had: an empty set when none were there)."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from warning.cli.rules_refs import rules_group

ROOT = Path(__file__).parents[2]
RULE = "rules:\n  - id: r1\n    name: 规则\n    risk_point: P\n    when: {channels: [audit]}\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no channels/ and a data directory with no database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QINGFENG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QINGFENG_DATABASE_URL", raising=False)
    monkeypatch.delenv("QINGFENG_CHANNELS_DIR", raising=False)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(RULE, encoding="utf-8")
    return tmp_path


def _channels(folder: Path, *names: str) -> Path:
    folder.mkdir()
    for name in names:
        shutil.copy(ROOT / "tests/data/channels" / f"{name}.yaml", folder)
    return folder


def test_a_channel_missing_from_the_given_directory_is_a_problem(workdir: Path) -> None:
    channels = _channels(workdir / "only-petition", "petition")
    result = CliRunner().invoke(rules_group, ["check", "--rules-dir", "rules",
                                              "--channels-dir", str(channels)])
    assert result.exit_code == 1, result.output
    assert "a.yaml:5: r1: when.channels: 未知的渠道 'audit'" in result.output


def test_a_channel_in_the_given_directory_passes(workdir: Path) -> None:
    channels = _channels(workdir / "with-audit", "petition", "audit")
    result = CliRunner().invoke(rules_group, ["check", "--rules-dir", "rules",
                                              "--channels-dir", str(channels)])
    assert result.exit_code == 0, result.output
    assert "未检查 when.channels" not in result.output


def test_a_broken_channel_file_fails_the_check_by_name_without_a_crash(workdir: Path) -> None:
    """The service refuses to start on it, so the check that says all is well must not pass."""
    channels = _channels(workdir / "broken", "audit")
    (channels / "bad.yaml").write_text("id: x\nname: [\n", encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["check", "--rules-dir", "rules",
                                              "--channels-dir", str(channels)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "规则检查通过" in result.output  # the rules themselves are fine
    assert f"{channels / 'bad.yaml'}:3: -: YAML 语法错误" in result.output
    assert "渠道文件检查未通过: 1 个问题 (服务不会启动)" in result.output


def test_a_missing_channels_directory_fails_the_check(workdir: Path) -> None:
    """No channels/ here and none configured: a mistyped directory is not 'no channels'."""
    result = CliRunner().invoke(rules_group, ["check", "--rules-dir", "rules"])
    assert result.exit_code == 1, result.output
    assert "channels:1: -: 渠道目录不存在 (QINGFENG_CHANNELS_DIR 或 --channels-dir)" \
        in result.output


def test_a_database_it_cannot_reach_is_not_called_unmigrated(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/x")
    channels = _channels(workdir / "with-audit", "petition", "audit")
    result = CliRunner().invoke(rules_group, ["check", "--rules-dir", "rules",
                                              "--channels-dir", str(channels)])
    assert result.exit_code == 0, result.output  # the files are checked all the same
    assert "数据库未迁移或无法访问，跳过风险点编号检查: 请检查 QINGFENG_DATABASE_URL" \
        in result.output
