"""Enumerations shared by every layer, with their Chinese labels for the UI."""

from enum import StrEnum


class Level(StrEnum):
    """Risk level of a risk point (风险等级)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return {"high": "高", "medium": "中", "low": "低"}[self.value]


# Spellings that registers use for the three levels (seeds: 高/中/低, 一级/二级/三级, 高/一般/低).
LEVEL_ALIASES: dict[str, Level] = {
    "high": Level.HIGH, "高": Level.HIGH, "一级": Level.HIGH, "高风险": Level.HIGH,
    "medium": Level.MEDIUM, "中": Level.MEDIUM, "二级": Level.MEDIUM, "一般": Level.MEDIUM,
    "中风险": Level.MEDIUM,
    "low": Level.LOW, "低": Level.LOW, "三级": Level.LOW, "低风险": Level.LOW,
}


class Response(StrEnum):
    """Graded response to a warning (处置措施), lightest first."""

    REMINDER = "reminder"
    TALK = "talk"
    ADMONITION = "admonition"
    RECTIFICATION = "rectification"

    @property
    def label(self) -> str:
        return RESPONSE_LABELS[self]

    @property
    def rank(self) -> int:
        return _RESPONSE_ORDER.index(self)

    def raised(self, steps: int) -> "Response":
        """Return the response `steps` grades heavier, capped at the heaviest."""
        order = _RESPONSE_ORDER
        return order[min(len(order) - 1, max(0, self.rank + steps))]


_RESPONSE_ORDER: tuple[Response, ...] = tuple(Response)  # lightest first; built once


RESPONSE_LABELS: dict[Response, str] = {
    Response.REMINDER: "风险提示",
    Response.TALK: "谈话提醒",
    Response.ADMONITION: "诫勉谈话",
    Response.RECTIFICATION: "责令整改",
}


class RuleMode(StrEnum):
    """Whether a rule raises warnings, only records would-be hits, or is off."""

    ACTIVE = "active"
    MONITOR = "monitor"
    OFF = "off"


class OwnerLevel(StrEnum):
    """Who owns a risk point (风险点层级)."""

    POST = "post"
    DEPARTMENT = "department"
    LEADERSHIP = "leadership"
    UNIT = "unit"

    @property
    def label(self) -> str:
        return {"post": "岗位", "department": "部门", "leadership": "领导班子", "unit": "单位"}[
            self.value
        ]


OWNER_LEVEL_ALIASES: dict[str, OwnerLevel] = {
    **{o.value: o for o in OwnerLevel},
    "岗位": OwnerLevel.POST, "个人": OwnerLevel.POST, "个人（岗位）": OwnerLevel.POST,
    "部门": OwnerLevel.DEPARTMENT, "科室": OwnerLevel.DEPARTMENT,
    "领导班子": OwnerLevel.LEADERSHIP, "班子": OwnerLevel.LEADERSHIP,
    "单位": OwnerLevel.UNIT,
}


class SubjectKind(StrEnum):
    """What a signal is about: a person, a post or a department."""

    PERSON = "person"
    POST = "post"
    DEPARTMENT = "department"


class SignalStatus(StrEnum):
    """Where a stored signal is in evaluation."""

    RECEIVED = "received"  # stored, not yet evaluated
    EVALUATED = "evaluated"
    FAILED = "failed"  # evaluation failed; retried by the scheduler
    DEAD = "dead"  # failed alone too often; no more retries (last_error says why)


class ChannelKind(StrEnum):
    """How signals reach a channel."""

    MANUAL = "manual"
    API = "api"
    FILE = "file"
    FEED = "feed"


DEFAULT_CATEGORIES: tuple[str, ...] = ("思想道德", "岗位职责", "业务流程", "制度机制", "外部环境")
