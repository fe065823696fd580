"""The schema of one channel file."""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warning.domain.enums import ChannelKind

SIGNAL_FIELDS = frozenset(
    {
        "external_id",
        "title",
        "text",
        "department",
        "person",
        "post",
        "amount",
        "occurred_at",
        "reporter_name",
        "reporter_contact",
    }
)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSettings(_Frozen):
    """Where and how often an online-opinion feed is scanned."""

    url: str = Field(max_length=2000)  # channels.url
    interval_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    keywords: tuple[str, ...] = ()
    timeout_seconds: float = Field(default=15, gt=0, le=300)
    max_bytes: int = Field(default=5_000_000, gt=0)
    # feedparser is quadratic on some input: a parse past this is killed and counts as a failure.
    parse_timeout_seconds: float = Field(default=30, gt=0, le=600)
    # A failing feed's wait doubles per failure in a row up to this (see warning.feeds.backoff).
    max_backoff_minutes: int = Field(default=24 * 60, ge=1, le=30 * 24 * 60)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url 必须以 http:// 或 https:// 开头")
        return value


class ImportSettings(_Frozen):
    """How a spreadsheet's columns (Chinese headers) map to signal fields."""

    columns: dict[str, str]
    sheet: str | None = None

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - SIGNAL_FIELDS)
        if unknown:
            raise ValueError(f"未知的信号字段 (unknown signal field): {', '.join(unknown)}")
        if "title" not in value.values():
            raise ValueError("必须有一列映射到 title")
        return value


class ChannelDefinition(_Frozen):
    """A channel: where signals come from, what they carry, who may see them."""

    id: str
    name: str = Field(min_length=1, max_length=200)  # channels.name
    kind: ChannelKind
    description: str = ""
    confidential: bool = False
    # 研判: true → warnings raised from this channel start as proposals the office judges
    # before any department is told; false → issued at once. Absent: a confidential
    # channel proposes, any other issues at once. A rule's own `triage` overrides it.
    triage: bool | None = None
    default_department: str | None = None
    fields: tuple[str, ...] = ("title", "text")
    enabled: bool = True
    feed: FeedSettings | None = None
    import_: ImportSettings | None = Field(default=None, alias="import")
    source: Literal["seed", "custom"] = "custom"

    @property
    def proposes(self) -> bool:
        """Tell whether this channel's new warnings start as proposals (待研判)."""
        return self.confidential if self.triage is None else self.triage

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id 只能使用小写字母、数字、- 和 _，且以字母开头")
        return value

    @field_validator("fields")
    @classmethod
    def _fields_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - SIGNAL_FIELDS)
        if unknown:
            raise ValueError(f"未知的信号字段 (unknown signal field): {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _kind_settings(self) -> "ChannelDefinition":
        if self.kind is ChannelKind.FEED and self.feed is None:
            raise ValueError("kind: feed 的渠道必须有 feed 设置 (url 等)")
        if self.kind is not ChannelKind.FEED and self.feed is not None:
            raise ValueError("只有 kind: feed 的渠道可以有 feed 设置")
        if self.kind is ChannelKind.FILE and self.import_ is None:
            raise ValueError("kind: file 的渠道必须有 import 设置 (列映射)")
        return self
