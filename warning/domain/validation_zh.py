"""Chinese for pydantic's validation errors, shared by every reader of client input.

Signal files, rule files, data files and the API each turned a few error kinds into Chinese
and let the rest through in pydantic's English ("channel: Input should be a valid string").
`zh_message` covers the kinds our models can raise; pydantic's own sentence follows in
brackets for the ones that carry detail worth keeping.
"""

import re
from typing import Any

# kind -> message; {name} is filled from the error's ctx (pydantic's own keys)
_TEMPLATES = {
    "missing": "缺少必填字段 (missing)",
    "extra_forbidden": "未知字段 (unknown field)",
    "string_type": "须是文字 (text expected)",
    "string_too_short": "不能为空或过短 (at least {min_length} characters)",
    "string_too_long": "过长，最多 {max_length} 字 (too long)",
    "string_pattern_mismatch": "格式不符 (pattern {pattern})",
    "string_unicode": "须是文字 (text expected)",
    "int_type": "须是整数 (integer expected)",
    "int_parsing": "须是整数 (integer expected)",
    "int_parsing_size": "整数过大 (integer too large)",
    "int_from_float": "须是整数，不能有小数 (integer expected)",
    "float_type": "须是数字 (number expected)",
    "float_parsing": "须是数字 (number expected)",
    "finite_number": "须是有限数字 (finite number expected)",
    "decimal_type": "须是数字 (number expected)",
    "decimal_parsing": "须是数字 (number expected)",
    "decimal_max_digits": "数字过长，最多 {max_digits} 位 (too many digits)",
    "decimal_max_places": "最多 {decimal_places} 位小数 (too many decimal places)",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位 (too many digits)",
    "greater_than": "须大于 {gt} (must be > {gt})",
    "greater_than_equal": "不能小于 {ge} (must be ≥ {ge})",
    "less_than": "须小于 {lt} (must be < {lt})",
    "less_than_equal": "不能大于 {le} (must be ≤ {le})",
    "multiple_of": "须是 {multiple_of} 的倍数",
    "bool_type": "须是 true 或 false (boolean expected)",
    "bool_parsing": "须是 true 或 false (boolean expected)",
    "list_type": "须是列表 (list expected)",
    "tuple_type": "须是列表 (list expected)",
    "set_type": "须是列表 (list expected)",
    "dict_type": "须是映射 (mapping expected)",
    "model_type": "须是对象或映射 (object expected)",
    "model_attributes_type": "须是对象或映射 (object expected)",
    "too_short": "至少 {min_length} 项 (too few items)",
    "too_long": "最多 {max_length} 项 (too many items)",
    "enum": "须是以下之一: {expected} (one of {expected})",
    "literal_error": "须是以下之一: {expected} (one of {expected})",
    "date_type": "不是日期 (date expected, YYYY-MM-DD)",
    "date_parsing": "不是日期 (date expected, YYYY-MM-DD)",
    "date_from_datetime_parsing": "不是日期 (date expected, YYYY-MM-DD)",
    "date_from_datetime_inexact": "须是日期，不带时刻 (date expected)",
    "datetime_type": "不是日期时间 (datetime expected, ISO 8601)",
    "datetime_parsing": "不是日期时间 (datetime expected, ISO 8601)",
    "datetime_from_date_parsing": "不是日期时间 (datetime expected, ISO 8601)",
    "datetime_object_invalid": "不是有效的日期时间 (invalid datetime)",
    "timezone_aware": "须带时区，如 +08:00 (time zone required)",
    "timezone_naive": "不能带时区 (no time zone)",
    "time_type": "不是时刻 (time expected, HH:MM)",
    "time_parsing": "不是时刻 (time expected, HH:MM)",
    "url_type": "不是网址 (URL expected)",
    "url_parsing": "不是有效的网址 (invalid URL)",
    "url_scheme": "网址协议须是 {expected_schemes} (URL scheme)",
    "url_too_long": "网址过长 (URL too long)",
    "json_invalid": "不是合法的 JSON ({error})",
    "json_type": "须是 JSON 文字 (JSON text expected)",
    "uuid_type": "不是 UUID (UUID expected)",
    "uuid_parsing": "不是 UUID (UUID expected)",
    "bytes_type": "须是文字 (text expected)",
    "none_required": "须为空 (null expected)",
    "union_tag_invalid": "类型 {tag} 无效，应为 {expected_tags}",
    "union_tag_not_found": "缺少类型字段 {discriminator}",
}


def zh_message(error: dict[str, Any]) -> str:
    """Return the Chinese message of one pydantic error (from ValidationError.errors())."""
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        # our own validators' messages, already Chinese
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix(
            "Assertion failed, ")
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        return "不能为空 (empty)"
    template = _TEMPLATES.get(kind)
    if template is None:
        return f"值无效 ({error.get('msg', kind)})"
    ctx = {key: _shown(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return f"值无效 ({error.get('msg', kind)})"


def _shown(value: Any) -> str:
    text = str(value)
    # pydantic gives a Decimal bound as its repr: "不能大于 Decimal('999999999999999.99')"
    text = _DECIMAL_REPR.sub(r"\1", text)
    return text if len(text) <= 80 else text[:77] + "..."


_DECIMAL_REPR = re.compile(r"\bDecimal\('([^']*)'\)")


def consequential(error: dict[str, Any]) -> bool:
    """Whether an error only follows from others: pydantic counts a list's items after
    validating them, so `[12]` under a minimum of one item is also "too few items" (0
    valid), beside the item's own error that says why."""
    written = error.get("input")
    least = (error.get("ctx") or {}).get("min_length")
    return (error["type"] == "too_short" and isinstance(written, list | tuple)
            and isinstance(least, int) and len(written) >= least)
