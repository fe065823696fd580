"""Numbers as Chinese users type them: full-width digits and marks, thousands commas.

A Chinese input method in full-width mode types "１，２３４．５"; a finance sheet writes
"1,234.50". Both were refused as "须是数字", while "１２３" passed (Decimal reads any Unicode
digit) and "1_000" and "1e3" passed as Python spellings nobody means. A numeric field's
text is width-folded (NFKC) and then read strictly: digits, at most one decimal point,
commas only between groups of three. Names and titles are never folded: NFKC would change
what was written.
"""

import re
import unicodedata
from typing import Any

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_COMMAS = re.compile(r"[+-]?[0-9][0-9,]*(?:\.[0-9]*)?")
_EXPONENT = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+")
HINT = "如 1234.5、1,234.50 或 １２３４．５"


def number_text(value: Any) -> Any:
    """Return a numeric text as plain ASCII ("１，２３４．５" -> "1234.5"); any other value
    as it is. Raise ValueError saying what is wrong with a text that is no number."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if _PLAIN.fullmatch(text):
        return text
    if _GROUPED.fullmatch(text):
        return text.replace(",", "")
    # echoed in the message: a lone surrogate there made pydantic fail to build the error
    # itself (UnicodeEncodeError, a 500 on POST /api/signals) instead of answering 422
    shown = value.strip()[:40].encode("utf-8", "backslashreplace").decode("utf-8")
    if _COMMAS.fullmatch(text):
        raise ValueError(f"“{shown}”的逗号位置不对: 逗号只能作千位分隔符, 每三位一个, "
                         f"小数点用“.” ({HINT})")
    if _EXPONENT.fullmatch(text):
        raise ValueError(f"“{shown}”是科学计数法, 可能已丢失位数: 请写出完整的数字 "
                         "(数字来自 Excel 时: 将该列设为“数值”格式后再导出)")
    raise ValueError(f"“{shown}”不是数字: 只能含数字、小数点和千位逗号, 不带单位或货币符号 "
                     f"({HINT})")
