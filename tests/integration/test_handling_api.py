"""The handling API: actions, inbox, events, and clear 4xx errors that change nothing."""

import base64
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import World, build_world, new_warning
from warning.auth.principal_cache import PrincipalCache
from warning.db.engine import make_async_engine
from warning.web.api.handling import router
from warning.web.deps import get_session
from warning.web.errors import install_error_handlers
from warning.web.security import SESSION_COOKIE

PDF = base64.b64encode(b"%PDF-1.4 report").decode()


def async_sessions_like(
    sessions: sessionmaker[Session],
) -> async_sessionmaker[AsyncSession] | None:
    """Return async sessions on the same PostgreSQL database, as build_runtime makes them."""
    bind = sessions.kw["bind"]
    if bind.dialect.name != "postgresql":
        return None
    url = bind.url.render_as_string(hide_password=False)
    return async_sessionmaker(make_async_engine(url), expire_on_commit=False)


def make_app(sessions: sessionmaker[Session], attachments: Path) -> FastAPI:
    """Build a minimal app around the handling router, as the lead will mount it."""
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.attachments_dir = attachments
    app.state.max_attachment_bytes = 1024
    # what the routes read of the runtime: sessions (async ones on PostgreSQL, as the
    # service has: warning.web.db_work), and a token cache (off)
    app.state.runtime = SimpleNamespace(sessions=sessions, principals=PrincipalCache(ttl=0),
                                        async_sessions=async_sessions_like(sessions),
                                        settings=SimpleNamespace(session_idle_minutes=30))

    def session() -> Iterator[Session]:
        with sessions() as s:
            yield s

    app.dependency_overrides[get_session] = session
    return app


@pytest.fixture
def api(session_factory: sessionmaker[Session], tmp_path: Path) -> tuple[TestClient, World]:
    world = build_world(session_factory)
    return TestClient(make_app(session_factory, tmp_path / "files")), world


def _auth(world: World, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def _post(client: TestClient, world: World, who: str, wid: int, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/warnings/{wid}/actions", json=body, headers=_auth(world, who))


def test_walk_through_the_api(api, session_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, world = api
    wid = new_warning(session_factory, world)
    inbox = client.get("/api/inbox", headers=_auth(world, "handler_a")).json()
    assert [i["warning_id"] for i in inbox] == [wid]
    answer = _post(client, world, "handler_a", wid, action="receive", version=1)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "received" and answer.json()["state_label"] == "已签收"
    _post(client, world, "handler_a", wid, action="assign", version=2, responsible_person="李四")
    answer = _post(client, world, "handler_a", wid, action="report", version=3,
                   comment="已整改", attachments=[{"filename": "整改报告.pdf", "content": PDF}])
    assert answer.status_code == 200, answer.text
    meta = answer.json()["event"]["data"]["attachments"][0]
    assert meta["filename"] == "整改报告.pdf" and meta["size"] == 15
    stored = tmp_path / "files" / meta["sha256"][:2] / meta["sha256"]
    assert stored.read_bytes().startswith(b"%PDF")
    events = client.get(f"/api/warnings/{wid}/events", headers=_auth(world, "reviewer")).json()
    assert [e["action"] for e in events] == ["issue", "receive", "assign", "report"]


def test_session_cookie_works_and_no_token_is_401(api, session_factory) -> None:  # type: ignore[no-untyped-def]
    client, world = api
    assert client.get("/api/inbox").status_code == 401
    assert client.get("/api/inbox", headers={"Authorization": "Bearer nope"}).status_code == 401
    client.cookies.set(SESSION_COOKIE, world.tokens["office"])
    assert client.get("/api/inbox").status_code == 200


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"action": "approve", "version": 1}, 422, "unknown_action"),
    ({"action": "report", "version": 1, "comment": "x"}, 409, "transition_not_allowed"),
    ({"action": "receive", "version": 7}, 409, "version_conflict"),
    ({"action": "accept", "version": 1}, 409, "transition_not_allowed"),
    ({"action": "note", "version": 1, "comment": "  "}, 422, "missing_field"),
    ({"action": "note", "version": 1, "comment": "x",
      "attachments": [{"filename": "a.exe", "content": PDF}]}, 415, "attachment_type_refused"),
    ({"action": "note", "version": 1, "comment": "x",
      "attachments": [{"filename": "a.pdf", "content": base64.b64encode(b"MZ..").decode()}]},
     415, "attachment_type_refused"),
    ({"action": "note", "version": 1, "comment": "x",
      "attachments": [{"filename": "a.pdf",
                       "content": base64.b64encode(b"%PDF" + b"0" * 2000).decode()}]},
     413, "attachment_too_large"),
    ({"action": "note", "version": 1, "comment": "x",
      "attachments": [{"filename": "a.txt", "content": "***"}]}, 422, "attachment_refused"),
    ({"action": "receive"}, 422, "invalid_request"),
    ({"action": "receive", "version": 1, "bogus": 1}, 422, "invalid_request"),
])
def test_bad_input_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
    api, session_factory, body: dict, status: int, code: str
) -> None:
    client, world = api
    wid = new_warning(session_factory, world)
    answer = client.post(f"/api/warnings/{wid}/actions", json=body,
                         headers=_auth(world, "handler_a"))
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    events = client.get(f"/api/warnings/{wid}/events", headers=_auth(world, "office")).json()
    assert [e["action"] for e in events] == ["issue"]


def test_conflict_carries_the_current_state_and_version(api, session_factory) -> None:  # type: ignore[no-untyped-def]
    client, world = api
    wid = new_warning(session_factory, world)
    assert _post(client, world, "handler_a", wid, action="receive", version=1).status_code == 200
    answer = _post(client, world, "handler_a", wid, action="receive", version=1)
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert (error["state"], error["version"]) == ("received", 2)
    assert "刷新" in error["message"]


def test_the_service_takes_an_action_through_its_own_runtime(
    db_url: str, rules_dir: Path, tmp_path: Path,
) -> None:
    """The app as `qingfeng serve` builds it: async sessions on PostgreSQL, closed at exit."""
    from tests.support import DATA
    from warning.runtime import build_runtime
    from warning.settings import load_settings
    from warning.web.app import create_app

    settings = load_settings(database_url=db_url, rules_dir=rules_dir,
                             channels_dir=DATA / "channels", attachments_dir=tmp_path / "files")
    runtime = build_runtime(settings, load_rules=False)
    assert (runtime.async_sessions is not None) == db_url.startswith("postgresql")
    world = build_world(runtime.sessions)
    wid = new_warning(runtime.sessions, world)
    with TestClient(create_app(runtime)) as client:
        answer = _post(client, world, "handler_a", wid, action="receive", version=1)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["state"], answer.json()["version"]) == ("received", 2)
        stale = _post(client, world, "handler_a", wid, action="receive", version=1)
        assert stale.status_code == 409
        assert stale.json()["error"]["code"] == "version_conflict"
        inbox = client.get("/api/inbox", headers=_auth(world, "handler_a")).json()
        assert [(i["warning_id"], i["version"]) for i in inbox] == [(wid, 2)]
        events = client.get(f"/api/warnings/{wid}/events", headers=_auth(world, "handler_b"))
        assert events.status_code == 404
