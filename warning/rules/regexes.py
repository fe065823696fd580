"""Refuse regexes that are unsafe or too costly; compile safe ones with RE2 (linear time)."""

import re
import re._parser as sre_parse  # the stdlib parser, to see a pattern's structure
from typing import Any

import re2

# A pattern whose compiled RE2 program is larger than this is refused: it would make the
# combined set (and its DFA) big and slow for every signal.
MAX_PROGRAM_SIZE = 4000
MAX_PATTERN_LENGTH = 500


def re2_options() -> re2.Options:
    """Return the RE2 options every rule regex is compiled with."""
    options = re2.Options()
    options.log_errors = False
    return options


class DangerousRegexError(ValueError):
    """A rule regex that is refused; the message says why."""


def refuse_dangerous(pattern: str) -> None:
    """Raise DangerousRegexError unless `pattern` is safe to search every signal with."""
    if not pattern:
        raise DangerousRegexError("正则表达式不能为空")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise DangerousRegexError(
            f"正则表达式过长 ({len(pattern)} > {MAX_PATTERN_LENGTH} 个字符)"
        )
    try:
        compiled = re2.compile(pattern, options=re2_options())
    except re2.error as error:
        raw = error.args[0] if error.args else error
        detail = raw.decode() if isinstance(raw, bytes) else raw
        raise DangerousRegexError(
            f"危险或不支持的正则 {pattern!r}: RE2 拒绝 ({detail}); 不支持反向引用 \\1、"
            "环视 (?=, (?<= 等, 重复次数最多 1000"
        ) from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise DangerousRegexError(
            f"正则 {pattern!r} 编译后过大 (程序规模 {compiled.programsize} > {MAX_PROGRAM_SIZE}); "
            "请缩小重复次数或拆分"
        )
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return  # RE2-only syntax such as \pN; RE2 accepted it and RE2 is linear
    if _nested_unbounded(parsed.data, inside=False):
        raise DangerousRegexError(
            f"危险的正则 {pattern!r}: 嵌套的无界重复 (如 (a+)+) 会导致灾难性回溯, 请改写"
        )


def _nested_unbounded(items: list[tuple[Any, Any]], *, inside: bool) -> bool:
    """Tell whether an unbounded repeat sits inside another repeat (catastrophic in `re`)."""
    for op, arg in items:
        if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT):
            _low, high, sub = arg
            unbounded = high is sre_parse.MAXREPEAT or high > 100
            if unbounded and inside:
                return True
            if _nested_unbounded(sub.data, inside=inside or unbounded):
                return True
        elif op is sre_parse.SUBPATTERN:
            if _nested_unbounded(arg[-1].data, inside=inside):
                return True
        elif op is sre_parse.BRANCH:
            if any(_nested_unbounded(branch.data, inside=inside) for branch in arg[1]):
                return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _nested_unbounded(
            arg[1].data, inside=inside
        ):
            return True
    return False
