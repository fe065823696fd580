"""The demo (`qingfeng serve --demo`) on the test database, one API client per demo user,
and a few days of the office's and departments' work on top of it.

The work done (`work_the_demo`) makes every kind of figure of a review non-zero and puts a
signal of one department on a warning of another (the office's 人工预警 names any
department), which is how the review's "raised" counts once leaked.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.tokens import issue_token
from warning.db.models import Channel, Department, RiskWarning, Signal, User, WarningSignal
from warning.demo.seed import seed_demo
from warning.runtime import Runtime, build_runtime
from warning.settings import load_settings
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

ROOT = Path(__file__).parents[2]
# The demo's users (warning.demo.users): the handler is 采购中心's, the leader supervises
# 采购中心 and 基建办 (赵国栋 leads both in the demo's org.yaml).
ROLES = ("admin", "jjjcs", "cgzx", "leader", "reviewer")
DEPARTMENTS_OF = {"cgzx": {"CGZX"}, "leader": {"CGZX", "JJB"}}


@dataclass
class DemoWorld:
    runtime: Runtime
    app: FastAPI
    clients: dict[str, TestClient]

    def get(self, user: str, url: str, **params: Any) -> Any:
        """GET `url` as `user`, asserting 200; return the JSON body."""
        answer = self.clients[user].get(url, params=params)
        assert answer.status_code == 200, (user, url, answer.text)
        return answer.json()

    def post(self, user: str, url: str, body: dict[str, Any], status: int = 200) -> Any:
        """POST `body` as `user`, asserting `status`; return the JSON body."""
        answer = self.clients[user].post(url, json=body)
        assert answer.status_code == status, (user, url, answer.text)
        return answer.json()


def build_demo_world(db_url: str, tmp_path: Path) -> Iterator[DemoWorld]:
    """Yield the demo loaded into `db_url` with a client per demo user."""
    settings = load_settings(database_url=db_url, rules_dir=ROOT / "rules",
                             channels_dir=ROOT / "channels", intake_batch_wait_ms=1.0,
                             run_scheduler=False, attachments_dir=tmp_path / "files",
                             data_dir=tmp_path / "data")
    runtime = build_runtime(settings, load_rules=False)
    try:
        lines = list(seed_demo(runtime))
        assert any("已载入演示数据" in line for line in lines), lines
        with runtime.sessions() as session, session.begin():
            users = {u.name: u for u in session.scalars(select(User))}
            tokens = {name: issue_token(session, user=users[name]) for name in ROLES}
            signed_in = {name: issue_token(session, user=users[name], kind="session")
                         for name in ROLES}
        app = create_app(runtime)
        clients = {name: TestClient(app, headers={"Authorization": f"Bearer {token}"},
                                    cookies={SESSION_COOKIE: signed_in[name]},
                                    follow_redirects=False)
                   for name, token in tokens.items()}
        yield DemoWorld(runtime, app, clients)
    finally:
        runtime.close()



def act(world: DemoWorld, user: str, warning_id: int, action: str, **fields: str) -> None:
    """Take `action` on a warning's record as `user`."""
    version = int(world.get(user, f"/api/warnings/{warning_id}")["version"])
    world.post(user, f"/api/warnings/{warning_id}/actions",
               {"action": action, "version": version, **fields})


def cross_department_signal(world: DemoWorld) -> int:
    """Return a 采购中心 signal of an open channel that raised nothing (a questionnaire)."""
    with world.runtime.sessions() as session:
        linked = select(WarningSignal.signal_id)
        return int(session.scalars(
            select(Signal.id).join(Channel, Channel.id == Signal.channel_id)
            .join(Department, Department.id == Signal.department_id)
            .where(Department.code == "CGZX", Channel.confidential.is_(False),
                   Signal.id.not_in(linked))
            .order_by(Signal.id)).first())


def proposals_of(world: DemoWorld, department: str) -> list[int]:
    """Return the open proposals (待研判) of a department, oldest first."""
    with world.runtime.sessions() as session:
        return list(session.scalars(
            select(RiskWarning.id).join(Department, Department.id == RiskWarning.department_id)
            .where(Department.code == department, RiskWarning.is_proposal.is_(True),
                   RiskWarning.is_open.is_(True))
            .order_by(RiskWarning.created_at, RiskWarning.id)))


def work_the_demo(world: DemoWorld) -> dict[str, int]:
    """Do a few days' work: 研判, a hand-made warning for another department, a record
    returned and closed, one withdrawn. Return the ids it made or used, by name."""
    made: dict[str, int] = {}
    # 人工预警: a 采购中心 questionnaire judged to be 财务科's matter
    made["cross_signal"] = cross_department_signal(world)
    made["cross_warning"] = world.post("jjjcs", f"/api/signals/{made['cross_signal']}/triage", {
        "decision": "warn", "risk_point": "CW-001", "department": "CWK",
        "subject_kind": "department", "comment": "经研判属财务科职责"})["warning_id"]
    # 研判: issue one of 采购中心's proposals, send one of 基建办's to 采购中心, dismiss one
    cg_first, cg_second = proposals_of(world, "CGZX")[:2]
    world.post("jjjcs", f"/api/warnings/{cg_first}/triage",
               {"decision": "issue", "comment": "属实，下达"})
    made["issued_proposal"] = cg_first
    jj = proposals_of(world, "JJB")[0]
    world.post("jjjcs", f"/api/warnings/{jj}/triage",
               {"decision": "amend", "department": "CGZX", "comment": "改由采购中心办理"})
    world.post("jjjcs", f"/api/warnings/{jj}/triage", {"decision": "issue", "comment": "下达"})
    made["moved_proposal"] = jj
    world.post("jjjcs", f"/api/warnings/{cg_second}/triage",
               {"decision": "dismiss", "comment": "经核查不属实"})
    made["dismissed"] = cg_second
    # a 采购中心 record reported, returned, reported again and closed
    closed = _open_issued(world, "CGZX")
    act(world, "cgzx", closed, "receive")
    act(world, "cgzx", closed, "assign", responsible_person="钱卫东")
    act(world, "cgzx", closed, "report", comment="已整改")
    act(world, "jjjcs", closed, "return", comment="整改不到位")
    act(world, "cgzx", closed, "report", comment="再次整改")
    act(world, "jjjcs", closed, "accept", comment="通过", measure="talk")
    made["closed"] = closed
    # a 基建办 warning issued in error
    withdrawn = _open_issued(world, "JJB")
    act(world, "jjjcs", withdrawn, "withdraw", comment="误发")
    made["withdrawn"] = withdrawn
    return made


def _open_issued(world: DemoWorld, department: str) -> int:
    page = world.get("jjjcs", "/api/warnings", department=department, state="issued",
                     limit=500)
    return int(min(item["id"] for item in page["items"]))
