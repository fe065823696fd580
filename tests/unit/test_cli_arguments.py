"""Command-line arguments that are not valid UTF-8 text are refused before any command runs."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [
    ["user", "add", "{bad}", "--role", "office"],
    ["signal", "add", "--channel", "api", "--external-id", "x", "--title", "{bad}"],
    ["signal", "import", "{bad}.jsonl"],
])
def test_an_undecodable_argument_is_refused_in_chinese(command: list[str]) -> None:
    bad = b"a\xff".decode("utf-8", "surrogateescape")  # how Python hands over such bytes
    args = [part.replace("{bad}", bad) for part in command]
    run = subprocess.run([sys.executable, "-m", "warning.cli.main", *args],
                         capture_output=True, env={"QINGFENG_DATABASE_URL": "sqlite://"})
    assert run.returncode == 1
    assert "无效" in run.stderr.decode() and b"Traceback" not in run.stderr


@pytest.mark.parametrize(("command", "says"), [
    (["serve", "--port", "99999"], "“99999”须是 1 到 65535 之间的整数"),
    (["serve", "--port", "-1"], "“-1”须是 1 到 65535 之间的整数"),
    (["user", "revoke-tokens", "adm", "--id", "9" * 20], f"“{'9' * 20}”须是 1 到 2147483647"),
    (["user", "add", "x", "--role", "leader", "--person", "0"], "“0”须是 1 到 2147483647"),
    (["user", "token", "adm", "--days", "1e308"], "“1e308”须是大于 0、不超过 3660 的天数"),
    (["user", "token", "adm", "--days", "nan"], "“nan”须是大于 0、不超过 3660 的天数"),
    (["notice", "requeue", "9" * 20], "须是 1 到 2147483647"),
])
def test_a_number_out_of_range_is_refused_in_chinese_before_any_work(
    command: list[str], says: str
) -> None:
    """serve --port 99999 ended in OverflowError from bind(); a 20-digit token id in an
    OverflowError from the database driver; --days 1e308 in one from timedelta."""
    from click.testing import CliRunner

    from warning.cli.main import cli

    result = CliRunner(env={"QINGFENG_DATABASE_URL": "sqlite://"}).invoke(cli, command)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert says in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("amount", "says"), [("abc", "“abc”不是数字"),
                                              ("1,00", "“1,00”的逗号位置不对")])
def test_signal_add_refuses_an_amount_that_is_not_a_number_in_chinese(
    amount: str, says: str
) -> None:
    """click converted --amount with Decimal(): "abc" ended in decimal.InvalidOperation.
    ("1,000" is 1000 as a Chinese user means it: tests/unit/test_numbers.py.)"""
    from click.testing import CliRunner

    from warning.cli.main import cli

    result = CliRunner(env={"QINGFENG_DATABASE_URL": "sqlite://"}).invoke(
        cli, ["signal", "add", "--channel", "api", "--external-id", "x", "--title", "t",
              "--amount", amount])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"amount: {says}" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("command", "says"), [
    (["--bogus"], "没有选项 --bogus"),
    (["nosuch"], "没有命令 'nosuch'"),
    (["signal", "nosuch"], "没有命令 'nosuch'"),
    (["signal", "import"], "缺少参数 'FILE'"),
    (["signal", "add", "--title", "x"], "缺少选项 '--channel'"),
    (["serve", "--por", "5"], "没有选项 --por (是否想用: --port)"),
    (["review", "2026Q3", "extra"], "多余的参数: extra"),
    (["serve", "--port", "x"], "'--port' 的值无效"),
])
def test_a_usage_error_is_told_in_chinese_with_the_usage_and_where_help_is(
    command: list[str], says: str
) -> None:
    """Click said "Usage: …", "Try '… --help' for help." and "Error: No such option"."""
    from click.testing import CliRunner

    from warning.cli.main import cli

    result = CliRunner(env={"QINGFENG_DATABASE_URL": "sqlite://"}).invoke(cli, command)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert says in result.output, result.output
    assert "用法: " in result.output and "--help' 查看帮助" in result.output
    assert "Error:" not in result.output and "Usage:" not in result.output
