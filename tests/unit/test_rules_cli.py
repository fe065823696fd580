"""`qingfeng rules check|test` exit codes and output."""

from pathlib import Path

from click.testing import CliRunner

from warning.cli.rules_cmd import rules_group_with

ROOT = Path(__file__).parents[2]


def test_check_and_test_pass_on_the_project_rules() -> None:
    runner = CliRunner()
    group = rules_group_with()
    result = runner.invoke(group, ["check", "--rules-dir", str(ROOT / "rules"),
                                   "--channels-dir", str(ROOT / "channels")])
    assert result.exit_code == 0, result.output
    assert "规则检查通过" in result.output
    result = runner.invoke(group, ["test", "--rules-dir", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    assert "失败 0 个" in result.output


def test_check_and_test_fail_with_file_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "rules:\n  - id: r1\n    name: 规则\n    risk_point: P\n    when: {channels: [audit]}\n",
        encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/a.yaml").write_text(
        "cases:\n  - name: 不该触发\n    signal: {channel: audit}\n    expect_not: [r1]\n",
        encoding="utf-8")
    runner = CliRunner()
    group = rules_group_with(lambda: ({"Q"}, None))
    result = runner.invoke(group, ["check", "--rules-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "a.yaml:4: r1: risk_point" in result.output
    group = rules_group_with()
    result = runner.invoke(group, ["test", "--rules-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "r1" in result.output
