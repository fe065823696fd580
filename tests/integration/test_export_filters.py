"""Every export route refuses a filter value that names nothing, with 422 naming the field.

`state=bogus` on an export matched no row and downloaded an empty file, as if there were
nothing to export. The export routes come from the app's route table and their filters
from each route's own query parameters, so a new export or a new filter must be listed
here with a wrong value (or as free text) before this test passes.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from warning.auth.users import add_user, issue_token
from warning.cli.main import cli
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

# one or more wrong values for every filter an export takes
INVALID = {
    "state": ["bogus", "OPEN", "closed "], "response": ["scolding"], "status": ["bogus"],
    "department": ["NO-SUCH-DEPT"], "risk_point": ["NO-SUCH-POINT"], "channel": ["nochannel"],
    "format": ["pdf", "XLSX"], "quarter": ["2026Q5", "bogus", "2026-13"],
    "since": ["2026-9-7", "20260907", "0001-01-01", "2026-02-30"],
    "until": ["tomorrow", "9999-12-31", "2026-09-07T00:00"],
}
FREE_TEXT = {"q"}  # a search: any text is a valid one
EXPORTS = {"/api/warnings/export", "/api/signals/export", "/api/review/export",
           "/register/export"}


def export_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Yield (path, route) of every GET route whose path ends in /export."""
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes,
                                prefix + (route.include_context.prefix or ""))
            elif (isinstance(route, APIRoute) and "GET" in route.methods
                  and (prefix + route.path).endswith("/export")):
                yield prefix + route.path, route
    yield from walk(app.routes, "")


@pytest.fixture
def office(runtime: Runtime) -> Iterator[tuple[FastAPI, TestClient]]:
    runtime.intake.ingest([SignalIn(channel="audit", external_id="F-1", title="审计发现",
                                    department="CGZX")])
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office"))
    app = create_app(runtime)
    yield app, TestClient(app, cookies={SESSION_COOKIE: token})


def test_every_export_filter_refuses_a_value_that_names_nothing(
    office: tuple[FastAPI, TestClient],
) -> None:
    app, client = office
    routes = dict(export_routes(app))
    assert set(routes) == EXPORTS, set(routes) ^ EXPORTS
    for path, route in sorted(routes.items()):
        assert client.get(path).status_code == 200, path
        names = [p.alias for p in route.dependant.query_params]
        unlisted = set(names) - set(INVALID) - FREE_TEXT
        assert not unlisted, f"{path}: filter(s) {unlisted} have no wrong value in INVALID"
        for name in names:
            for value in INVALID.get(name, []):
                got = client.get(path, params={name: value})
                assert got.status_code == 422, (path, name, value, got.status_code)
                error = got.json()["error"]
                fields = {error.get("field"), *(d["field"] for d in error.get("details", []))}
                assert name in fields or f"query.{name}" in fields, (path, name, error)
                assert name in error["message"] or value in error["message"], (path, name, error)


def test_a_filter_that_names_something_still_exports(office: tuple[FastAPI, TestClient]) -> None:
    _, client = office
    for url in ("/api/warnings/export?state=open&department=CGZX&response=reminder",
                "/api/warnings/export?state=overdue", "/api/warnings/export?state=closed",
                "/api/signals/export?status=evaluated&channel=audit&department=CWK&q=无此文字",
                "/api/review/export?quarter=2026Q3&format=docx", "/register/export?format=yaml"):
        assert client.get(url).status_code == 200, url


def test_the_command_line_refuses_a_filter_that_names_nothing(
    office: tuple[FastAPI, TestClient], db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    runner = CliRunner()
    for command, option, value in (("warnings", "--state", "bogus"),
                                   ("signal", "--status", "bogus"),
                                   ("signal", "--channel", "nochannel"),
                                   ("warnings", "--since", "2026-9-7"),
                                   ("signal", "--until", "9999-12-31")):
        out = tmp_path / f"{command}.csv"
        done = runner.invoke(cli, [command, "export", str(out), option, value])
        assert done.exit_code == 1 and value in done.output, (command, done.output)
        assert not out.exists()
