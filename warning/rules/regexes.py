"""Refuse regexes that are unsafe or too costly; compile safe ones with RE2 (linear time)."""

import re2

from warning.rules.regex_shape import UnanalysableRegexError, nested_unbounded

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


__all__ = ["DangerousRegexError", "UnanalysableRegexError", "refuse_dangerous"]


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
        nested = nested_unbounded(pattern)
    except UnanalysableRegexError as error:
        raise DangerousRegexError(f"正则 {pattern!r}: {error}; 无法确认安全, 拒绝") from None
    if nested:
        raise DangerousRegexError(
            f"危险的正则 {pattern!r}: 嵌套的无界重复 (如 (a+)+) 会导致灾难性回溯, 请改写"
        )
