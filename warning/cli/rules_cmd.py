"""`qingfeng rules check|test`: validate rule files and run their fixtures."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from warning.rules.checking import (
    FixtureReport,
    channel_ids,
    check_rulebook,
    checked_files,
    reference_hints,
    run_fixtures,
)
from warning.rules.loader import Problem
from warning.rules.settling import WAIT_S, SettledFiles, first_look_wait
from warning.services.rule_refusals import changed_while_checked, still_changing_unchecked

T = TypeVar("T")
KnownRefs = Callable[[], tuple[set[str] | None, set[str] | None]]
KnownCodes = Callable[[], set[str] | None]
# the problems of the channel files (the option's directory, else the configured one)
ChannelProblems = Callable[[Path | None], list[object]]


def _no_refs() -> tuple[set[str] | None, set[str] | None]:
    return None, None


def _no_codes() -> set[str] | None:
    return None


def _channel_problems(channels_dir: Path | None) -> list[object]:
    if channels_dir is None:
        return []
    from warning.channels.loader import check_channels

    return list(check_channels(channels_dir)[1])


def _settle_seconds() -> float:
    """Return QINGFENG_RULES_SETTLE_SECONDS: how long rule files must stay unchanged."""
    from warning.settings import load_settings

    return load_settings().rules_settle_seconds


def read_settled(rules_dir: Path, read: Callable[[], T], *, wait_s: float) -> T | Problem:
    """Return what `read` made of the rule and fixture files once they have settled, as
    every load reads them (rules/settling.py), or the problem of files still changing or
    changed while read: a file half written is reported as such, not as broken. Files
    untouched for the settle time are read at once."""
    settle_s = _settle_seconds()
    files = SettledFiles(rules_dir, settle_s, files=checked_files)
    settled = files.settled()
    if settled is None:
        wait_s = first_look_wait(settle_s, wait_s)
        if settle_s >= 2:  # the default second passes unremarked
            click.echo(f"等待规则文件保持 {settle_s:g} 秒不变 (QINGFENG_RULES_SETTLE_SECONDS), "
                       f"最多 {wait_s:g} 秒…", err=True)
        settled = files.wait(wait_s)
    if settled is None:
        return still_changing_unchecked(rules_dir, wait_s)
    found = read()
    return found if files.unchanged(settled) else changed_while_checked(rules_dir)


def run_check(
    rules_dir: Path, *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None, wait_s: float = WAIT_S,
) -> int:
    """Print every problem (or the summary) and return the exit code."""
    for hint in reference_hints(risk_points=risk_points, channels=channels,
                                departments=departments):
        click.secho(f"提示: {hint}", fg="yellow", err=True)
    found = read_settled(rules_dir, lambda: check_rulebook(
        rules_dir, risk_points=risk_points, channels=channels, departments=departments),
        wait_s=wait_s)
    rulebook, problems = (None, [found]) if isinstance(found, Problem) else found
    for problem in problems:
        click.echo(str(problem), err=True)
    if rulebook is None or problems:
        click.secho(f"规则检查未通过: {len(problems)} 个问题", fg="red", err=True)
        return 1
    files = len(rulebook.versions)
    click.echo(f"规则检查通过: {len(rulebook.rules)} 条规则, {files} 个文件")
    return 0


def run_test(
    rules_dir: Path, *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None, wait_s: float = WAIT_S,
) -> int:
    """Run the fixtures, print pass/fail per case and return the exit code."""
    def check_and_run() -> FixtureReport | list[Problem]:
        rulebook, problems = check_rulebook(rules_dir, risk_points=risk_points,
                                            channels=channels, departments=departments)
        return problems if rulebook is None else run_fixtures(rulebook)

    found = read_settled(rules_dir, check_and_run, wait_s=wait_s)  # both fixture reads
    report = [found] if isinstance(found, Problem) else found
    if isinstance(report, list):
        for problem in report:
            click.echo(str(problem), err=True)
        return 1
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for case in report.cases:
        for note in case.notes:
            click.echo(f"说明 NOTE  {case.file}:{case.line}: {case.name}: {note}")
        if case.passed:
            click.echo(f"通过 PASS  {case.file}:{case.line}: {case.name}")
            continue
        detail = []
        if case.missing:
            detail.append(f"未触发 (did not fire): {', '.join(case.missing)}")
        if case.unexpected:
            detail.append(f"不应触发 (fired): {', '.join(case.unexpected)}")
        click.secho(f"失败 FAIL  {case.file}:{case.line}: {case.name}: {'; '.join(detail)}",
                    fg="red")
    failed = sum(not case.passed for case in report.cases)
    click.echo(f"用例 {len(report.cases)} 个, 失败 {failed} 个")
    return 0 if report.passed else 1


def _rules_dir(flag: Path | None) -> Path:
    """Return the flag's directory, else the QINGFENG_RULES_DIR setting."""
    if flag is not None:
        return flag
    from warning.settings import load_settings

    return load_settings().rules_dir


def rules_group_with(
    known_refs: KnownRefs = _no_refs, known_departments: KnownCodes = _no_codes,
    channel_problems: ChannelProblems = _channel_problems,
) -> click.Group:
    """Build the `rules` group; `known_refs` returns (risk point codes, channel ids) or Nones,
    `known_departments` the directory's department codes (None: unchecked)."""

    @click.group("rules")
    def group() -> None:
        """规则文件: 检查与用例 (rule files: check and fixtures)."""

    def refs(channels_dir: Path | None) -> tuple[set[str] | None, set[str] | None]:
        points, channels = known_refs()
        if channels_dir is not None:  # the option wins over the configured directory
            channels = channel_ids(channels_dir)
        return points, channels

    rules_dir = click.option("--rules-dir", type=click.Path(path_type=Path, file_okay=False),
                             default=None, help="规则目录 (默认 QINGFENG_RULES_DIR, 即 rules)")
    channels_opt = click.option("--channels-dir", type=click.Path(path_type=Path, file_okay=False),
                                default=None, help="从渠道文件读取已知渠道 id")

    @group.command("check")
    @rules_dir
    @channels_opt
    def check_cmd(rules_dir: Path | None, channels_dir: Path | None) -> None:
        """检查规则文件、分级策略与用例文件 (exit 1 on any problem)."""
        points, channels = refs(channels_dir)
        code = run_check(_rules_dir(rules_dir), risk_points=points, channels=channels,
                         departments=known_departments())
        problems = channel_problems(channels_dir)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:  # the service refuses to start on them: so does the check
            click.secho(f"渠道文件检查未通过: {len(problems)} 个问题 (服务不会启动)",
                        fg="red", err=True)
        sys.exit(code or int(bool(problems)))

    @group.command("test")
    @rules_dir
    @channels_opt
    def test_cmd(rules_dir: Path | None, channels_dir: Path | None) -> None:
        """运行 rules/tests/ 下的用例 (exit 1 on any failure)."""
        points, channels = refs(channels_dir)
        sys.exit(run_test(_rules_dir(rules_dir), risk_points=points, channels=channels,
                          departments=known_departments()))

    return group
