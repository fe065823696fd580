"""Every role x action x own/other department cell, through HTTP; any leak fails."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_api import make_app
from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.auth.visibility import visible_warnings
from warning.db.engine import transaction
from warning.db.models import RiskWarning
from warning.domain.lifecycle import TRANSITIONS, Action, State
from warning.handling.records import act

# How to bring a fresh record to the state where each action is in the table.
PATH = {
    State.ISSUED: [],
    State.RECEIVED: [("handler", "receive", {})],
    State.IN_PROGRESS: [("handler", "receive", {}),
                        ("handler", "assign", {"responsible_person": "李四"})],
    State.REPORTED: [("handler", "receive", {}),
                     ("handler", "assign", {"responsible_person": "李四"}),
                     ("handler", "report", {"comment": "已整改"})],
}
START = {Action.RECEIVE: State.ISSUED, Action.ASSIGN: State.RECEIVED,
         Action.REPORT: State.IN_PROGRESS, Action.ACCEPT: State.REPORTED,
         Action.RETURN: State.REPORTED, Action.WITHDRAW: State.ISSUED, Action.NOTE: State.ISSUED}
USERS = ["admin", "office", "handler_a", "leader", "reviewer"]
OWN = {"admin": "A", "office": "A", "handler_a": "A", "leader": "A", "reviewer": "A"}
OTHER = {"admin": "C", "office": "C", "handler_a": "B", "leader": "C", "reviewer": "C"}
SEES_OTHER = {"admin", "office", "reviewer"}
HANDLER_OF = {"A": "handler_a", "B": "handler_b"}


def _prepare(sessions: sessionmaker[Session], world, dept: str, state: State) -> int:  # type: ignore[no-untyped-def]
    wid = new_warning(sessions, world, dept)
    for version, (_, action, extra) in enumerate(PATH[state], start=1):
        actor = world.principals[HANDLER_OF.get(dept, "handler_a")]
        if dept == "C":  # no handler user for C: walk it as if its handler did
            actor = actor.__class__(**{**actor.__dict__, "department_id": world.departments["C"]})
        with transaction(sessions) as session:
            act(session, warning_id=wid, principal=actor, action=action, version=version, **extra)
    return wid


def test_authorization_matrix(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    world = build_world(session_factory)
    client = TestClient(make_app(session_factory, tmp_path))
    leaks: list[str] = []
    granted = 0
    for user in USERS:
        headers = {"Authorization": f"Bearer {world.tokens[user]}"}
        role = world.principals[user].role
        for where, dept in (("own", OWN[user]), ("other", OTHER[user])):
            visible = where == "own" or user in SEES_OTHER
            for action, state in START.items():
                wid = _prepare(session_factory, world, dept, state)
                version = 1 + len(PATH[state])
                body = {"action": action.value, "version": version, "comment": "理由",
                        "responsible_person": "王五"}
                answer = client.post(f"/api/warnings/{wid}/actions", json=body, headers=headers)
                allowed = visible and role in TRANSITIONS[(state, action)].roles
                expected = 200 if allowed else (403 if visible else 404)
                granted += answer.status_code == 200
                if answer.status_code != expected:
                    leaks.append(f"{user} {action} {where}: {answer.status_code} != {expected}")
                events = client.get(f"/api/warnings/{wid}/events", headers=headers)
                if events.status_code != (200 if visible else 404):
                    leaks.append(f"{user} events {where}: {events.status_code}")
                inbox = [i["warning_id"] for i in client.get("/api/inbox", headers=headers).json()]
                if not visible and wid in inbox:
                    leaks.append(f"{user} inbox shows {where} warning")
    assert leaks == []
    assert granted == 20  # handler 4 own; office and admin 4 each, own and other


def test_counts_are_scoped_in_the_query(session_factory: sessionmaker[Session]) -> None:
    from sqlalchemy import func

    world = build_world(session_factory)
    for dept in ("A", "A", "B", "C"):
        new_warning(session_factory, world, dept)
    expected = {"admin": 4, "office": 4, "reviewer": 4, "handler_a": 2, "handler_b": 1,
                "leader": 3}
    with session_factory() as session:
        for name, count in expected.items():
            stmt = visible_warnings(select(func.count(RiskWarning.id)), world.principals[name])
            assert session.scalar(stmt) == count, name
