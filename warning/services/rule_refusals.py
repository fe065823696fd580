"""Why a reload put nothing in force although no rule file had a problem of its own."""

from pathlib import Path

from warning.rules.loader import Problem


def still_changing(rules_dir: Path, waited_s: float) -> Problem:
    """The problem of rule files that did not settle while a load waited for them."""
    return Problem(str(rules_dir), 0, "", f"规则文件在 {waited_s:g} 秒内一直在变化, 未载入 "
                   "(rule files still being written; they are read once settled)")


def no_rules_left(rules_dir: Path, held: int) -> Problem:
    """The problem of a reload that found no rule at all while rules are in force: a
    directory emptied by a deploy or unmounted must not end all warnings in silence."""
    return Problem(str(rules_dir), 1, "",
                   f"规则目录中没有任何规则, 未载入, 原有 {held} 条规则继续生效 "
                   "(no rules left; to stop every rule, keep the files and set mode: off)")


def changed_while_read(rules_dir: Path) -> Problem:
    """The problem of rule files that changed while they were being read."""
    return Problem(str(rules_dir), 0, "", "规则文件在读取时被修改, 稍后重新载入 "
                   "(rule files changed while being read; they are read again once settled)")


def still_changing_unchecked(rules_dir: Path, waited_s: float) -> Problem:
    """The problem of rule files `qingfeng rules check|test` waited for in vain: they are
    being written, not wrong, so they are not read at all."""
    return Problem(str(rules_dir), 0, "", f"规则文件在 {waited_s:g} 秒内一直在变化, 未检查; "
                   "写完后请重新运行 (rule files still being written, not checked; run "
                   "the check again once they are written)")


def changed_while_checked(rules_dir: Path) -> Problem:
    """The problem of rule files that changed while `qingfeng rules check|test` read them."""
    return Problem(str(rules_dir), 0, "", "规则文件在检查时被修改, 结果作废; 请重新运行 "
                   "(rule files changed while being checked; run the check again)")
