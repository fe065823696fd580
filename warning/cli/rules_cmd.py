"""`qingfeng rules check|test`: validate rule files and run their fixtures."""

import sys
from collections.abc import Callable
from pathlib import Path

import click

from warning.rules.checking import channel_ids, check_rulebook, reference_hints, run_fixtures

KnownRefs = Callable[[], tuple[set[str] | None, set[str] | None]]
KnownCodes = Callable[[], set[str] | None]


def _no_refs() -> tuple[set[str] | None, set[str] | None]:
    return None, None


def _no_codes() -> set[str] | None:
    return None


def run_check(
    rules_dir: Path, *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None,
) -> int:
    """Print every problem (or the summary) and return the exit code."""
    for hint in reference_hints(risk_points=risk_points, channels=channels,
                                departments=departments):
        click.secho(f"提示: {hint}", fg="yellow", err=True)
    rulebook, problems = check_rulebook(rules_dir, risk_points=risk_points, channels=channels,
                                        departments=departments)
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
    departments: set[str] | None = None,
) -> int:
    """Run the fixtures, print pass/fail per case and return the exit code."""
    rulebook, problems = check_rulebook(rules_dir, risk_points=risk_points, channels=channels,
                                        departments=departments)
    if rulebook is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        return 1
    report = run_fixtures(rulebook)
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
    known_refs: KnownRefs = _no_refs, known_departments: KnownCodes = _no_codes
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
        sys.exit(run_check(_rules_dir(rules_dir), risk_points=points, channels=channels,
                           departments=known_departments()))

    @group.command("test")
    @rules_dir
    @channels_opt
    def test_cmd(rules_dir: Path | None, channels_dir: Path | None) -> None:
        """运行 rules/tests/ 下的用例 (exit 1 on any failure)."""
        points, channels = refs(channels_dir)
        sys.exit(run_test(_rules_dir(rules_dir), risk_points=points, channels=channels,
                          departments=known_departments()))

    return group
