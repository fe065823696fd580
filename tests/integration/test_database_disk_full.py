"""A full disk under the SQLite file: every write is refused with 507, saying nothing was
saved, and nothing of it is stored; once there is room again the same request succeeds.

Before, a full disk under the database answered 500 服务器内部错误 (JSON even to a browser).
The disk is real: the database lives on a small tmpfs that the test fills.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.integration.full_disk import SmallDisks
from tests.integration.page_client import Site, act_by_form, build_site
from tests.integration.route_world import OBJECT_KEYS, build_route_world
from tests.integration.test_route_authz import _fill, _send, route_table
from tests.support import seeded_runtime
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE
from warning.web.security import SESSION_COOKIE


@pytest.fixture
def disk(small_disk: SmallDisks, tmp_path: Path) -> Path:
    return small_disk.mount(tmp_path / "disk", size="64m")


@pytest.fixture
def full_runtime(disk: Path, rules_dir: Path, sqlite_template: Path) -> Iterator[Runtime]:
    shutil.copy(sqlite_template, disk / "qingfeng.db")
    yield from seeded_runtime(f"sqlite:///{disk / 'qingfeng.db'}", rules_dir)


def _fill_disk(runtime: Runtime, disk: Path) -> None:
    """Empty the WAL (a write into its old pages needs no new space) and fill the disk."""
    with runtime.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    SmallDisks.fill(disk)


def _signed_in(site: Site, name: str) -> TestClient:
    """Sign `name` in through the login form, with a client that shows a server error as
    the answer the browser gets (not re-raised in the test)."""
    client = TestClient(site.app, follow_redirects=False, raise_server_exceptions=False,
                        headers={"Accept": "text/html,application/xhtml+xml"})
    client.get("/login")
    answer = client.post("/login", data={
        "name": name, "password": f"pw-{name}-12345678", "next": "/",
        "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def _events(site: Site) -> list[str]:
    return [e.action for e in site.events()]


def test_a_department_action_is_refused_with_507_and_saved_once_there_is_room(
    full_runtime: Runtime, disk: Path, tmp_path: Path
) -> None:
    site = build_site(full_runtime, tmp_path)
    handler = _signed_in(site, "cg")
    handler.get(f"/warnings/{site.warning_id}")
    before = _events(site)
    _fill_disk(full_runtime, disk)
    page = act_by_form(site, handler, "receive")
    assert page.status_code == 507, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")
    assert "服务器存储空间已满" in page.text and "本次操作未保存" in page.text
    api = handler.post(f"/api/warnings/{site.warning_id}/actions",
                       json={"action": "receive", "version": site.record().version})
    assert api.status_code == 507, api.text
    assert api.json()["error"]["code"] == "storage_full"
    assert "Traceback" not in api.text
    assert _events(site) == before
    SmallDisks.free(disk)
    assert act_by_form(site, handler, "receive").status_code == 303
    assert _events(site) == [*before, "receive"]


def test_a_signal_posted_to_a_full_disk_is_refused_and_stored_on_the_retry(
    full_runtime: Runtime, disk: Path, tmp_path: Path
) -> None:
    site = build_site(full_runtime, tmp_path)
    office = _signed_in(site, "office")
    body = {"channel": "audit", "external_id": "FULL-1", "title": "审计发现拆分合同",
            "text": "拆分合同化整为零规避招标", "department": "CGZX", "amount": 12000}
    _fill_disk(full_runtime, disk)
    refused = office.post("/api/signals", json=body)
    assert refused.status_code == 507, refused.text
    SmallDisks.free(disk)
    stored = office.post("/api/signals", json=body)
    assert stored.status_code in (200, 201), stored.text
    with full_runtime.sessions() as session:
        count = session.execute(text(
            "SELECT count(*) FROM signals WHERE external_id = 'FULL-1'")).scalar_one()
    assert count == 1


def test_no_route_answers_500_on_a_full_disk(full_runtime: Runtime, disk: Path) -> None:
    world = build_route_world(full_runtime)
    clients = {role: TestClient(world.app, cookies={SESSION_COOKIE: world.tokens[role]},
                                follow_redirects=False, raise_server_exceptions=False)
               for role in ("office", "handler_a", "admin")}
    for client in clients.values():
        client.get("/")  # signed in and holding a form token before the disk fills
    _fill_disk(full_runtime, disk)
    problems = []
    for method, path in sorted(set(route_table(world.app))):
        if path in ("/logout",):
            continue
        for role, client in clients.items():
            url = _fill_path(path, world)
            answer = _send(client, method, url)
            if answer.status_code == 500 or "Traceback" in answer.text:
                problems.append(f"{role} {method} {url}: {answer.status_code} "
                                f"{answer.text[:120]!r}")
    assert problems == []


def _fill_path(path: str, world: object) -> str:
    return _fill(path, world, OBJECT_KEYS[0]) if re.search(r"\{", path) else path

