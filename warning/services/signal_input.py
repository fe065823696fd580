"""The shape of an incoming signal, shared by the API, the CLI and file imports."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from warning.domain.input_text import AMOUNT_LIMITS, CheckedInput, OccurredAt
from warning.domain.numbers import number_text

# yuan as a number, or as text a Chinese user types: "１，２３４．５", "1,234.50"
Amount = Annotated[Decimal, BeforeValidator(number_text)]


class SignalIn(CheckedInput):
    """A signal as it arrives through any channel; every field storable as it is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: str = Field(min_length=1, max_length=64, description="渠道 id, e.g. petition")
    external_id: str = Field(
        min_length=1,
        max_length=200,
        description="the source's own id; (channel, external_id) is unique",
    )
    title: str = Field(min_length=1, max_length=500)
    text: str = Field(default="", max_length=1_000_000)
    department: str | None = Field(default=None, max_length=32, description="department code")
    person: str | None = Field(default=None, max_length=100)
    post: str | None = Field(default=None, max_length=200)
    amount: Amount | None = Field(
        default=None, **AMOUNT_LIMITS,
        description="yuan, at most 2 decimals (fen); stored exactly; text may use full-width"
                    " digits and thousands commas (\"１，２３４．５\", \"1,234.50\")",
    )
    occurred_at: OccurredAt | None = Field(
        default=None, description="ISO 8601 with a UTC offset, e.g. 2026-11-02T09:30:00+08:00"
    )

    @field_validator("department", "person", "post")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None



def naive_to_shanghai(value: datetime) -> datetime:
    """Read a datetime without offset as Asia/Shanghai local time (file imports)."""
    from zoneinfo import ZoneInfo

    return value.replace(tzinfo=ZoneInfo("Asia/Shanghai")) if value.tzinfo is None else value
