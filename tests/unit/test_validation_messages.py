"""Every refusal of a client's value is in Chinese and names the field.

Signal files, data files and the API each translated a few pydantic error kinds and let
the rest through in English ("channel: Input should be a valid string"). One table
(warning.domain.validation_zh) now serves them all; these tests send each field of a signal
every wrong kind of value and check no English sentence of pydantic's comes back.
"""

import re
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warning.domain.validation_zh import zh_message
from warning.services.signal_files import RowError, to_signal
from warning.yamlfile import describe_errors

HAN = re.compile(r"[\u4e00-\u9fff]")
GOOD = {"channel": "audit", "external_id": "A-1", "title": "办公家具采购拆分",
        "text": "化整为零", "department": "CGZX", "person": "张三", "post": "采购员",
        "amount": "100.50", "occurred_at": "2026-03-02T09:30:00+08:00"}
WRONG: list[Any] = [["a"], {"a": 1}, True, 1.5, -1, "", "x" * 100_000, "1e999", "NaN",
                    10**30, "2026-02-30", None]


def _english(message: str) -> bool:
    return "Input should" in message or "Field required" in message or not HAN.search(message)


@pytest.mark.parametrize("field", sorted(GOOD))
@pytest.mark.parametrize("value", WRONG, ids=lambda v: type(v).__name__ + str(v)[:12])
def test_a_signal_row_with_a_wrong_value_is_refused_in_chinese_naming_its_field(
    field: str, value: Any,
) -> None:
    result = to_signal(7, {**GOOD, field: value}, None)
    if isinstance(result, RowError):
        assert result.line == 7
        assert not _english(result.message), result.message
        assert result.message.startswith(f"{field}:") or field in result.message, result.message


class Kind(Enum):
    A = "a"
    B = "b"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=8, pattern=r"^[A-Z]+$")
    level: int = Field(ge=1, le=3)
    kind: Kind
    tags: list[str] = Field(max_length=2)
    on: bool


BAD_DATA: list[dict[str, Any]] = [
    {"code": 5}, {"code": "abcdefghij"}, {"code": "abc"}, {"level": "x"}, {"level": 0},
    {"level": 9}, {"level": 1.5}, {"kind": "c"}, {"tags": "a"}, {"tags": ["a", "b", "c"]},
    {"on": "maybe"}, {"extra": 1}, {},
]


@pytest.mark.parametrize("bad", BAD_DATA, ids=str)
def test_every_kind_of_model_error_has_a_chinese_message(bad: dict[str, Any]) -> None:
    data = {"code": "AB", "level": 2, "kind": "a", "tags": [], "on": True}
    data = {**data, **bad} if bad else {}
    with pytest.raises(ValidationError) as caught:
        _Data.model_validate(data)
    for error in caught.value.errors():
        message = zh_message(dict(error))
        assert not _english(message), (error["type"], message)
    for _line, field, message in describe_errors(data, caught.value):
        assert field and not _english(message), (field, message)


def test_bounds_and_choices_say_what_is_allowed() -> None:
    with pytest.raises(ValidationError) as caught:
        _Data.model_validate({"code": "AB", "level": 9, "kind": "c", "tags": [], "on": True})
    messages = {e["loc"][0]: zh_message(dict(e)) for e in caught.value.errors()}
    assert "3" in messages["level"]
    assert "'a'" in messages["kind"] and "'b'" in messages["kind"]


def test_a_decimal_bound_is_shown_as_the_number_not_its_repr() -> None:
    refused = to_signal(2, {"channel": "petition", "external_id": "x", "title": "t",
                            "amount": 10**20}, None)
    assert isinstance(refused, RowError)
    assert refused.message == ("amount: 不能大于 999999999999999.99 "
                               "(must be ≤ 999999999999999.99)")
