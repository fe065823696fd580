"""Checks on what a reporter types: ID number (GB 11643 check digit), phone, markup, mode."""

import re
from enum import StrEnum

_ID = re.compile(r"\d{17}[\dX]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# A mobile (1 + 10 digits), or a landline with area code and optional extension, with
# the separators people type; an optional +86 / 0086 prefix.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")

BAD_ID = "身份证号码不正确：应为 18 位，最后一位为数字或 X，且校验位须正确"
BAD_PHONE = "电话号码不正确：请填写 11 位手机号或带区号的固定电话，如 010-12345678"
MARKUP = "不能包含 HTML 标签或脚本（如 <script>）"


class IntakeMode(StrEnum):
    """How a petition came in (来信、来访、电话、网络、12388、其他)."""

    LETTER = "letter"
    VISIT = "visit"
    PHONE = "phone"
    ONLINE = "online"
    HOTLINE = "12388"
    OTHER = "other"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]


MODE_LABELS = {IntakeMode.LETTER: "来信", IntakeMode.VISIT: "来访", IntakeMode.PHONE: "电话",
               IntakeMode.ONLINE: "网络", IntakeMode.HOTLINE: "12388",
               IntakeMode.OTHER: "其他"}


def id_number_ok(value: str) -> bool:
    """Tell whether an 18-digit resident ID number has a valid check digit."""
    value = value.strip().upper()
    if not _ID.fullmatch(value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=False))
    return _CHECK[total % 11] == value[-1]


def normal_phone(value: str) -> str | None:
    """Return a phone number with spaces and the country prefix removed, or None if bad."""
    kept = re.sub(r"[\s()（）]", "", value)
    kept = re.sub(r"^(\+86|0086)-?", "", kept)
    for pattern in (_MOBILE, _LANDLINE):
        if pattern.fullmatch(kept):
            return kept
    return None


def has_markup(value: str) -> bool:
    """Tell whether a text holds something that looks like an HTML tag."""
    return _TAG.search(value) is not None
