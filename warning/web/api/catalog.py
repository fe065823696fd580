"""Reference data: GET /api/channels, /api/risk-points, /api/rules and /healthz."""

from datetime import date, datetime

from fastapi import Depends
from pydantic import BaseModel

from warning.channels.health import channel_health
from warning.queries.catalog import channels, risk_points_query
from warning.services.evaluation_claims import dead_count
from warning.services.list_filters import RegisterFilters
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.routing import SessionRouter
from warning.web.security import current_principal

router = SessionRouter(tags=["catalog"])
_signed_in = [Depends(current_principal)]


class ChannelOut(BaseModel):
    id: str
    name: str
    kind: str
    confidential: bool
    enabled: bool
    health: str
    last_run_at: datetime | None
    last_status: str
    consecutive_failures: int


class RiskPointOut(BaseModel):
    code: str
    name: str
    manifestation: str
    category: str
    level: str
    owner_level: str
    department: str | None
    business_area: str
    measure_prevention: str
    measure_monitoring: str
    measure_handling: str
    responsible_person: str
    reviewed_on: date | None


class RuleOut(BaseModel):
    id: str
    name: str
    risk_point: str
    mode: str
    severity: int
    file: str
    version: str


@router.get("/api/channels", response_model=list[ChannelOut], dependencies=_signed_in)
def list_channels(session: SessionDep) -> list[ChannelOut]:
    """List the channels with their health."""
    return [
        ChannelOut(
            id=c.code,
            name=c.name,
            kind=c.kind,
            confidential=c.confidential,
            enabled=c.enabled,
            health=channel_health(c),
            last_run_at=c.last_run_at,
            last_status=c.last_status,
            consecutive_failures=c.consecutive_failures,
        )
        for c in channels(session)
    ]


@router.get("/api/risk-points", response_model=list[RiskPointOut], dependencies=_signed_in)
def list_risk_points(session: SessionDep) -> list[RiskPointOut]:
    """List the risk register."""
    rows = session.execute(risk_points_query(RegisterFilters()))
    return [
        RiskPointOut(
            **{k: getattr(point, k) for k in RiskPointOut.model_fields if k != "department"},
            department=dept.code if dept else None,
        )
        for point, dept in rows
    ]


@router.get("/api/rules", response_model=list[RuleOut], dependencies=_signed_in)
def list_rules(runtime: RuntimeDep) -> list[RuleOut]:
    """List the rules in force with the version of their file."""
    return [RuleOut(**r) for r in runtime.rules.describe()]


@router.get("/healthz", tags=["health"])
def healthz(session: SessionDep, runtime: RuntimeDep) -> dict[str, object]:
    """Tell whether the database answers, how many rules are in force and signals are dead."""
    dead = dead_count(session)
    return {"status": "ok", "rules": len(runtime.rules.describe()), "dead_signals": dead}
