"""A signed-in TestClient on the whole app, and a warning to act on, for page tests."""

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.users import add_user
from warning.db.models import HandlingEvent, HandlingRecord
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE

USERS = [("office", "office", None), ("cg", "handler", "CGZX"), ("cw", "handler", "CWK"),
         ("reviewer", "reviewer", None)]


@dataclass
class Site:
    """The app, its runtime and the warning the tests act on."""

    app: FastAPI
    runtime: Runtime
    warning_id: int
    files: Path

    def client(self, name: str) -> TestClient:
        """Return a client signed in as `name` through the login form."""
        client = TestClient(self.app, follow_redirects=False)
        client.get("/login")
        answer = client.post("/login", data={
            "name": name, "password": f"pw-{name}-12345678", "next": "/",
            "csrf_token": client.cookies[COOKIE]})
        assert answer.status_code == 303, answer.text
        return client

    def record(self) -> HandlingRecord:
        with self.runtime.sessions() as session:
            return session.scalars(select(HandlingRecord)
                                   .where(HandlingRecord.warning_id == self.warning_id)).one()

    def events(self) -> list[HandlingEvent]:
        record_id = self.record().id
        with self.runtime.sessions() as session:
            return list(session.scalars(select(HandlingEvent)
                                        .where(HandlingEvent.record_id == record_id)
                                        .order_by(HandlingEvent.seq)))


def build_site(runtime: Runtime, tmp_path: Path) -> Site:
    """Add one user per role and raise one warning on 采购中心 (CGZX)."""
    with runtime.sessions() as session, session.begin():
        for name, role, department in USERS:
            add_user(session, name=name, role=role, department_code=department,
                     password=f"pw-{name}-12345678")
    outcome = runtime.intake.ingest([SignalIn(
        channel="petition", external_id="PAGE-1", title="反映设备采购存在串标",
        text="某供应商与他人围标串标。", department="CGZX")])[0]
    assert outcome.warnings, outcome
    app = create_app(runtime)
    app.state.attachments_dir = tmp_path / "files"
    app.state.max_attachment_bytes = 1024
    return Site(app, runtime, outcome.warnings[0].id, tmp_path / "files")


def act_by_form(
    site: Site, client: TestClient, action: str, *, version: int | None = None,
    files: list[tuple[str, bytes]] | None = None, **fields: str,
):  # type: ignore[no-untyped-def]
    """Post one action form the way the page does, with the cookie's CSRF token."""
    client.get(f"/warnings/{site.warning_id}")
    data = {"csrf_token": client.cookies.get(COOKIE, ""), "action": action,
            "version": str(site.record().version if version is None else version), **fields}
    upload = [("attachments", (name, content)) for name, content in files or []]
    return client.post(f"/warnings/{site.warning_id}/actions", data=data,
                       files=upload or None)
