"""Small lookups the intake needs per batch: channels, departments, risk points."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Channel, Department, RiskPoint
from warning.db.value_list import among
from warning.domain.enums import Level


@dataclass(frozen=True)
class ChannelRef:
    id: int
    code: str
    confidential: bool
    enabled: bool
    default_department_id: int | None
    proposes: bool = False  # 研判: its new warnings start as proposals (see channels/README.md)


@dataclass(frozen=True)
class RiskPointRef:
    id: int
    code: str
    level: Level
    department_id: int | None
    name: str = ""


@dataclass(frozen=True)
class Directory:
    """Channels, departments and risk points by code, read once and kept a short while."""

    channels: dict[str, ChannelRef]
    departments: dict[str, int]
    department_codes: dict[int, str]
    channel_by_id: dict[int, ChannelRef]
    department_names: dict[str, int]
    name_of_department: dict[int, str]
    points: dict[str, RiskPointRef] = field(default_factory=dict)

    def risk_points(self, session: Session, codes: Iterable[str]) -> dict[str, RiskPointRef]:
        """Return the risk points with these codes, reading only those not read before."""
        wanted = set(codes)
        missing = wanted - self.points.keys()
        if missing:
            self.points.update(risk_points_by_code(session, missing))
        return {code: self.points[code] for code in wanted if code in self.points}

    @classmethod
    def load(cls, session: Session) -> "Directory":
        """Read every channel and department."""
        channels = {
            c.code: ChannelRef(c.id, c.code, c.confidential, c.enabled, c.default_department_id,
                               channel_proposes(c))
            for c in session.scalars(select(Channel))
        }
        rows = session.execute(select(Department.code, Department.name, Department.id)).all()
        departments = {code: id_ for code, _, id_ in rows}
        names = {name: id_ for _, name, id_ in rows}
        return cls(
            channels,
            departments,
            {v: k for k, v in departments.items()},
            {c.id: c for c in channels.values()},
            names,
            {id_: name for _, name, id_ in rows},
        )


def channel_proposes(channel: Channel) -> bool:
    """Tell whether a stored channel's new warnings start as proposals (its file's `triage`,
    else whether it is confidential)."""
    triage = (channel.definition or {}).get("triage")
    return channel.confidential if triage is None else bool(triage)


def risk_points_by_code(session: Session, codes: Iterable[str]) -> dict[str, RiskPointRef]:
    """Return the risk points with the given codes."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            RiskPoint.id, RiskPoint.code, RiskPoint.level, RiskPoint.department_id, RiskPoint.name
        ).where(among(RiskPoint.code, wanted))
    )
    return {
        code: RiskPointRef(id_, code, Level(level), dept, name)
        for id_, code, level, dept, name in rows
    }
