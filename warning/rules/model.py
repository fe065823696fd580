"""The typed shape of a rule file: pydantic models, frozen, unknown keys refused."""

from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from warning.domain.enums import Response, RuleMode, SubjectKind
from warning.domain.input_text import AMOUNT_LIMITS, MAX_AMOUNT
from warning.rules.amounts import CENT, AmountError, bound, exact, stored
from warning.rules.regexes import refuse_dangerous

Keyword = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=100)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextCondition(_Frozen):
    """Keyword and regex tests over title + newline + text."""

    any: tuple[Keyword, ...] | None = Field(default=None, min_length=1)
    all: tuple[Keyword, ...] | None = Field(default=None, min_length=1)
    none: tuple[Keyword, ...] | None = Field(default=None, min_length=1)
    regex: tuple[str, ...] | None = Field(default=None, min_length=1)

    @field_validator("any", "all", "none")
    @classmethod
    def _blank(cls, words: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if words is not None and any(not w.strip() for w in words):
            raise ValueError("关键词不能为空白 (blank keyword)")
        return words

    @field_validator("regex")
    @classmethod
    def _safe(cls, patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for pattern in patterns or ():
            refuse_dangerous(pattern)
        return patterns

    @model_validator(mode="after")
    def _not_empty(self) -> "TextCondition":
        if not (self.any or self.all or self.none or self.regex):
            raise ValueError("text 至少需要 any/all/none/regex 之一")
        return self


class AmountCondition(_Frozen):
    """Bounds on the signal's amount in yuan: exact, at most 2 decimal places."""

    gt: Decimal | None = None
    gte: Decimal | None = None
    lt: Decimal | None = None
    lte: Decimal | None = None

    @field_validator("gt", "gte", "lt", "lte", mode="before")
    @classmethod
    def _exact(cls, value: object) -> Decimal | None:
        if value is None:
            return None
        try:
            return bound(value)
        except AmountError as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _bounded(self) -> "AmountCondition":
        if self.gt is None and self.gte is None and self.lt is None and self.lte is None:
            raise ValueError("amount 至少需要 gt/gte/lt/lte 之一")
        # In whole fen within what a signal can carry (0 .. MAX_AMOUNT): {gt: 10, lt: 10},
        # {lt: 0} or {gt: MAX_AMOUNT} leave no amount, and the rule would never fire.
        fen = CENT
        lows = [Decimal(0), *(b + fen for b in (self.gt,) if b is not None),
                *(b for b in (self.gte,) if b is not None)]
        highs = [MAX_AMOUNT, *(b - fen for b in (self.lt,) if b is not None),
                 *(b for b in (self.lte,) if b is not None)]
        low, high = max(lows), min(highs)
        if low > high:
            written = ", ".join(f"{k}: {v}" for k, v in self.model_dump(exclude_none=True).items())
            raise ValueError(f"amount 的区间为空: 没有金额 (0 至 {MAX_AMOUNT} 元, 精确到分) "
                             f"满足 {written} (no amount can match)")
        return self

    def holds(self, amount: object) -> bool:
        """Tell whether an amount, as stored, satisfies every bound; no amount never does."""
        if amount is None:
            return False
        amount = stored(amount)
        return not (
            (self.gt is not None and not amount > self.gt)
            or (self.gte is not None and not amount >= self.gte)
            or (self.lt is not None and not amount < self.lt)
            or (self.lte is not None and not amount <= self.lte)
        )


class RepeatSpec(_Frozen):
    """Fire on the count-th hit about the same subject within `days` days."""

    count: int = Field(ge=1, le=1000, strict=True)
    days: int = Field(ge=1, le=3660, strict=True)
    subject: SubjectKind


class When(_Frozen):
    """Conditions that must all hold."""

    channels: tuple[Code, ...] | None = Field(default=None, min_length=1)
    departments: tuple[Code, ...] | None = Field(default=None, min_length=1)
    text: TextCondition | None = None
    amount: AmountCondition | None = None
    repeat: RepeatSpec | None = None

    @model_validator(mode="after")
    def _some_condition(self) -> "When":
        if not (self.channels or self.departments or self.text or self.amount):
            raise ValueError("when 至少需要 channels/departments/text/amount 之一")
        return self


class RuleSpec(_Frozen):
    """One rule as written in a rule file."""

    id: RuleId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    risk_point: Code
    mode: RuleMode = RuleMode.ACTIVE
    severity: int = Field(default=1, ge=1, le=3, strict=True)
    description: str = ""
    when: When
    response: Response | None = None
    # 研判: true → a new warning starts as a proposal for the office; false → issued at
    # once; absent → the channel's setting (see channels/README.md).
    triage: bool | None = Field(default=None, strict=True)  # only true/false, as YAML 1.2


class RuleFile(_Frozen):
    """A rule file: a list of rules."""

    rules: tuple[RuleSpec, ...]


class FixtureSignal(_Frozen):
    """The signal of a fixture case, read as intake stores one (`SignalIn`): text stripped,
    a blank department, person or post is none, so a case fires as the real signal would."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    channel: Code
    title: str = ""
    text: str = ""
    department: str | None = None
    person: str | None = None
    post: str | None = None
    amount: Decimal | None = Field(default=None, **AMOUNT_LIMITS)
    external_id: str | None = None  # accepted so fixtures can be posted as real signals

    @field_validator("department", "person", "post")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("amount", mode="before")
    @classmethod
    def _exact(cls, value: object) -> Decimal | None:
        if value is None:
            return None
        try:
            return exact(value)  # as written: intake's limits (AMOUNT_LIMITS) come next
        except AmountError as error:
            raise ValueError(str(error)) from None


class FixtureCase(_Frozen):
    """One fixture case: a signal and the rules that must and must not fire."""

    name: str
    signal: FixtureSignal
    history: int = Field(default=0, ge=0, strict=True)
    expect: tuple[RuleId, ...] = ()
    expect_not: tuple[RuleId, ...] = ()


class FixtureFile(_Frozen):
    """A fixture file: a list of cases."""

    cases: tuple[FixtureCase, ...]
