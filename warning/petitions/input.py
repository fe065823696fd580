"""The shape of a petition as it is logged: the signal's fields plus who reported it."""

from decimal import Decimal
from typing import Self

from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from warning.domain.input_text import MAX_AMOUNT, CheckedInput, OccurredAt
from warning.petitions.checks import BAD_ID, BAD_PHONE, IntakeMode, id_number_ok, normal_phone


class ReporterIn(CheckedInput):
    """Who reported; secret strings, so no repr, log line or error echo shows them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: SecretStr = Field(min_length=1, max_length=100)
    contact: SecretStr | None = Field(default=None, max_length=200,
                                      description="other contact: e-mail, messaging id")
    phone: SecretStr | None = Field(default=None, max_length=40)
    id_number: SecretStr | None = Field(default=None, max_length=40,
                                        description="18 digits, check digit verified")
    unit: SecretStr | None = Field(default=None, max_length=200, description="工作单位")
    address: SecretStr | None = Field(default=None, max_length=300)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not id_number_ok(value.get_secret_value()):
            raise ValueError(BAD_ID)
        return SecretStr(value.get_secret_value().upper())

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        phone = normal_phone(value.get_secret_value())
        if phone is None:
            raise ValueError(BAD_PHONE)
        return SecretStr(phone)


class PetitionIn(CheckedInput):
    """A petition or report (信访举报) with a named reporter or marked anonymous."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: str = Field(default="petition", min_length=1, max_length=64)
    external_id: str | None = Field(default=None, max_length=200,
                                    description="来文编号; generated when not given")
    title: str = Field(min_length=1, max_length=500)
    text: str = Field(default="", max_length=100_000)
    department: str | None = Field(default=None, max_length=32, description="department code")
    person: str | None = Field(default=None, max_length=100, description="the person reported on")
    post: str | None = Field(default=None, max_length=200)
    amount: Decimal | None = Field(
        default=None, ge=0, le=MAX_AMOUNT, decimal_places=2, description="yuan, at most 2 decimals"
    )
    occurred_at: OccurredAt | None = None
    reporter: ReporterIn | None = None
    anonymous: bool = False
    intake_mode: IntakeMode = Field(default=IntakeMode.OTHER,
                                    description="来信 letter, 来访 visit, 电话 phone, 网络 online, "
                                                "12388, 其他 other")

    @model_validator(mode="after")
    def _reporter_or_anonymous(self) -> Self:
        if self.anonymous and self.reporter is not None:
            raise ValueError("匿名举报不能同时填写举报人 (anonymous reports carry no reporter)")
        if not self.anonymous and self.reporter is None:
            raise ValueError("请填写举报人或标记为匿名 (give a reporter or anonymous: true)")
        return self
