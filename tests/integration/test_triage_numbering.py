"""A department cannot count a proposal's hidden 研判 steps.

A proposal triaged in N steps and then issued was shown to its department with its first
event numbered N+2 and its version N+2, in the API, the pages' hidden form fields and the
409 message. Now, whatever N, every route a department may call reads exactly as for N=0
once ids and times are blanked; its actions work with the version it is shown, a stale one
gets a 409 that tells nothing more, and the office keeps the stored numbers and a chain
that verifies.
"""

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from tests.integration.test_route_authz import MACHINE, VARIANTS, VOLATILE, _text, route_table
from tests.integration.triage_world import TriageWorld
from warning.db.engine import transaction
from warning.db.models import HandlingRecord
from warning.domain.enums import Response
from warning.handling.audit import verify_chains
from warning.handling.records import act
from warning.services.signal_input import SignalIn
from warning.triage.amend import Amendment, amend
from warning.triage.decisions import issue
from warning.web.pages.csrf import COOKIE

DEPARTMENT = "handler_a"
MIGRATION = (Path(__file__).resolve().parents[2] / "warning" / "db" / "migrations" / "versions"
             / "0010b_record_triage_base.py")
# Object routes: what to fill each path parameter with (the warning, its petition, others
# that do not depend on it).
FILL = {"warning_id": "warning", "signal_id": "signal", "code": "CG-001", "snapshot_id": "1",
        "sha256": "0" * 64}


def _version(world: TriageWorld, warning_id: int) -> int:
    with world.runtime.sessions() as session:
        return session.scalars(select(HandlingRecord.version)
                               .where(HandlingRecord.warning_id == warning_id)).one()


def triaged(world: TriageWorld, steps: int) -> tuple[int, int]:
    """Raise a proposal, take `steps` 研判 steps on it (amendments there and back, and a
    note), issue it; return (signal id, warning id)."""
    signal_id, [warning_id] = world.petition(1)
    office = world.principals["office"]
    grading = world.runtime.rules.current().grading
    with world.runtime.sessions() as session:
        raised = session.scalars(select(HandlingRecord).where(
            HandlingRecord.warning_id == warning_id)).one().warning.response
    other = Response.TALK.value if raised != Response.TALK.value else Response.REMINDER.value
    for step in range(steps):
        with transaction(world.runtime.sessions) as session:
            if step == steps - 1 and steps % 2:
                act(session, warning_id=warning_id, principal=office, action="note",
                    version=_version(world, warning_id), comment=f"研判备注{step}")
            else:
                back = other if step % 2 == 0 else raised
                amend(session, warning_id=warning_id, principal=office,
                      amendment=Amendment(response=back), comment=f"研判修改{step}")
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=warning_id, principal=office, grading=grading,
              comment="经研判属实")
    return signal_id, warning_id


def _fill(path: str, ids: dict[str, int]) -> str:
    def one(found: re.Match[str]) -> str:
        value = FILL[found.group(1).split(":")[0]]
        return str(ids.get(value, value))
    return re.sub(r"\{([^}]+)\}", one, path)


def department_view(world: TriageWorld, ids: dict[str, int]) -> dict[str, tuple[int, str]]:
    """Return every GET route's status and body as the department reads it, times and
    tokens blanked."""
    client = world.client(DEPARTMENT)
    taken = {}
    for method, path in sorted(set(route_table(client.app))):  # type: ignore[arg-type]
        if method != "GET" or path in MACHINE:
            continue
        for suffix in VARIANTS.get(path, [""]):
            url = _fill(path, ids) + suffix
            answer = client.get(url)
            taken[f"{path}{suffix}"] = (answer.status_code, VOLATILE.sub("~", _text(answer)))
    return taken


def _shown_version(client: TestClient, warning_id: int) -> int:
    page = client.get(f"/warnings/{warning_id}").text
    fields = set(re.findall(r'name="version" value="(\d+)"', page))
    api = client.get(f"/api/warnings/{warning_id}").json()["version"]
    assert fields == {str(api)}, (fields, api)
    return int(api)


def department_day(world: TriageWorld, warning_id: int) -> list[tuple[int, str]]:
    """Receive through the API and assign through the page's form, with the versions shown;
    then send a stale version to both; return each answer, times and hashes blanked."""
    client = world.client(DEPARTMENT)
    answers = []
    shown = _shown_version(client, warning_id)
    received = client.post(f"/api/warnings/{warning_id}/actions",
                           json={"action": "receive", "version": shown})
    assert received.status_code == 200, received.text
    answers.append(received)
    shown = _shown_version(client, warning_id)
    client.get("/login")
    form = {"csrf_token": client.cookies.get(COOKIE) or "", "action": "assign",
            "responsible_person": "李敏", "version": str(shown)}
    assigned = client.post(f"/warnings/{warning_id}/actions", data=form)
    assert assigned.status_code == 303, assigned.text
    stale = client.post(f"/api/warnings/{warning_id}/actions",
                        json={"action": "note", "version": shown, "comment": "过期版本"})
    assert stale.status_code == 409, stale.text
    answers.append(stale)
    stale_form = client.post(f"/warnings/{warning_id}/actions",
                             data={**form, "action": "note", "comment": "过期版本"})
    assert stale_form.status_code == 409
    answers.append(stale_form)
    return [(a.status_code, VOLATILE.sub("~", a.text)) for a in answers]


@pytest.mark.slow
def test_a_department_reads_every_triaged_proposal_as_issued_at_intake(worlds: Any) -> None:
    seen: dict[int, tuple[dict[str, tuple[int, str]], list[tuple[int, str]],
                          dict[str, tuple[int, str]]]] = {}
    for steps in (0, 1, 3):
        world = worlds(f"n{steps}")
        signal_id, warning_id = triaged(world, steps)
        ids = {"warning": warning_id, "signal": signal_id}
        before = department_view(world, ids)
        day = department_day(world, warning_id)
        seen[steps] = (before, day, department_view(world, ids))
        office = world.client("office").get(f"/api/warnings/{warning_id}/events").json()
        # the office reads the stored trail: propose, the steps, issue, receive, assign
        assert [e["seq"] for e in office] == list(range(1, steps + 5))
        assert office[0]["action"] == "propose" and office[steps + 1]["action"] == "issue"
        assert world.client("office").get(
            f"/api/warnings/{warning_id}").json()["version"] == _version(world, warning_id)
        with world.runtime.sessions() as session:
            assert verify_chains(session) == []
        events = world.client(DEPARTMENT).get(f"/api/warnings/{warning_id}/events").json()
        assert [(e["seq"], e["action"]) for e in events] == [
            (1, "issue"), (2, "receive"), (3, "assign")]
    for steps in (1, 3):
        for part, (expected, got) in enumerate(zip(seen[0], seen[steps], strict=True)):
            if isinstance(expected, dict):
                differs = sorted(k for k in expected if expected[k] != got.get(k))
                assert differs == [], (steps, part, differs)
            assert expected == got, (steps, part)


def test_a_stale_version_names_only_the_version_the_department_was_shown(
    worlds: Any,
) -> None:
    world = worlds("stale")
    _, warning_id = triaged(world, 3)
    client = world.client(DEPARTMENT)
    stored = _version(world, warning_id)
    assert stored == 5  # propose 1, two amendments, a note, issue
    assert client.get(f"/api/warnings/{warning_id}").json()["version"] == 1
    refused = client.post(f"/api/warnings/{warning_id}/actions",
                          json={"action": "receive", "version": stored})
    assert refused.status_code == 409
    body = refused.json()["error"]
    assert "版本 1" in body["message"] and f"版本 {stored}" not in body["message"]
    assert (body["version"], body["seen"]) == (1, stored)  # seen: what it sent
    taken = client.post(f"/api/warnings/{warning_id}/actions",
                        json={"action": "receive", "version": 1})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["version"], taken.json()["event"]["seq"]) == (2, 2)
    assert _version(world, warning_id) == stored + 1


def test_the_migration_backfills_where_triage_ended(worlds: Any) -> None:
    """Records issued before 0010b get the bases issuing stores now (a direct one keeps 0)."""
    world = worlds("backfill")
    _, proposal = triaged(world, 3)
    _, [once] = world.petition(2, person="李四")
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=once, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading)
    direct = world.runtime.intake.ingest([SignalIn(
        channel="audit", department="CWK", title="审计发现", text="评标中有人串标",
        external_id="AUD-1")])[0].warnings[0].id
    bases = select(HandlingRecord.warning_id, HandlingRecord.triage_seq,
                   HandlingRecord.triage_version)
    with world.runtime.sessions() as session:
        stored = {row[0]: row[1:] for row in session.execute(bases)}
    assert stored == {proposal: (4, 4), once: (1, 1), direct: (0, 0)}
    spec = importlib.util.spec_from_file_location("m0010b", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with transaction(world.runtime.sessions) as session:
        session.execute(update(HandlingRecord).values(triage_seq=0, triage_version=0))
        session.execute(text(migration.BACKFILL))
    with world.runtime.sessions() as session:
        assert {row[0]: row[1:] for row in session.execute(bases)} == stored
