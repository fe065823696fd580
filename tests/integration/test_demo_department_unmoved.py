"""The office's confidential work leaves every page and API answer of a department unmoved.

On the demo, a department's handler and its supervising leader read every GET route the
app serves (listed from its route table, never picked by hand; each path parameter filled
with every object they can see), before and after the office does what they must not learn
of: petitions about their department that raise a new proposal or join a waiting one, a
proposal dismissed, one amended, one moved into their department and left waiting, a
petition judged 不予处理. Any answer that changes (a count, a total, a badge, an order, a
status code) would tell them of a petition or a 研判 decision.
"""

import html
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.integration.demo_world import DemoWorld, build_demo_world, proposals_of
from warning.services.signal_input import SignalIn

DEPARTMENT_USERS = ("cgzx", "leader")
# For machines and the docs, not a department's data: they move between any two readings.
SKIPPED = {"/metrics", "/readyz", "/healthz", "/docs", "/redoc", "/openapi.json",
           "/docs-assets/redoc.standalone.js", "/logout"}
VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}|\b4\d{4}\.\d+\b|[A-Za-z0-9_\-.]{32,}"
)
# Two petitions that raise a proposal about 采购中心 (the demo's rules: a kickback), one
# about a new person, one joining the proposal about 杨帆; and one that raises nothing.
PETITIONS = (
    {"external_id": "XF-T-01", "title": "反映招标专员收受回扣", "person": "朱玉梅",
     "text": "中秋节前，供应商给仓库保管员朱玉梅送购物卡2张，每张1000元。"},
    {"external_id": "XF-T-02", "title": "再次反映采购员收受购物卡", "person": "杨帆",
     "text": "国庆节前，管材供应商又给采购员杨帆送购物卡3张。"},
    {"external_id": "XF-T-03", "title": "反映仓库管理", "text": "仓库物品摆放杂乱。"},
)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[DemoWorld]:
    yield from build_demo_world(db_url, tmp_path)


def get_routes(app: FastAPI) -> list[str]:
    """Return the path of every GET route the app serves, included routers flattened."""
    def walk(routes: list[Any], prefix: str) -> Iterator[str]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI >= 0.160 keeps included routers
                yield from walk(route.original_router.routes,
                                prefix + (route.include_context.prefix or ""))
            elif "GET" in (getattr(route, "methods", None) or ()):
                yield prefix + route.path
    return sorted(set(walk(app.routes, "")) - SKIPPED)


def _objects(world: DemoWorld, user: str) -> dict[str, list[str]]:
    """Return, per path parameter, the values `user` can see."""
    client = world.clients[user]
    warnings = [str(w["id"]) for w in world.get(user, "/api/warnings", limit=500)["items"]]
    signals = sorted(set(re.findall(r'href="/signals/(\d+)"', client.get("/signals").text)))
    points = [p["code"] for p in world.get(user, "/api/risk-points")][:3]
    return {"warning_id": warnings, "signal_id": signals, "code": points,
            "snapshot_id": ["1"], "sha256": ["0" * 64], "token_id": ["1"]}


def _urls(app: FastAPI, objects: dict[str, list[str]]) -> Iterator[str]:
    for path in get_routes(app):
        names = [n.split(":")[0] for n in re.findall(r"\{([^}]+)\}", path)]
        assert set(names) <= set(objects), f"{path}: a path parameter the test cannot fill"
        yield from _urls_of(path, names, objects)


def _urls_of(path: str, names: list[str], objects: dict[str, list[str]]) -> Iterator[str]:
    if not names:
        yield path
        return
    for value in objects[names[0]]:
        filled = re.sub(r"\{" + names[0] + r"(:[^}]*)?\}", value, path, count=1)
        yield from _urls_of(filled, names[1:], objects)


def _text(body: bytes) -> str:
    if body[:2] == b"PK":  # .xlsx or .docx: the XML inside
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return html.unescape("".join(
                book.read(n).decode("utf-8", "replace") for n in book.namelist()
                if n.endswith(".xml") and not n.startswith("docProps/")))
    return body.decode("utf-8-sig", "replace")


def readings(world: DemoWorld) -> dict[tuple[str, str], tuple[int, str]]:
    """Return every GET answer each department user reads: status and body, times masked."""
    taken = {}
    for user in DEPARTMENT_USERS:
        client = world.clients[user]
        for url in _urls(world.app, _objects(world, user)):
            answer = client.get(url)
            taken[(user, url)] = (answer.status_code, VOLATILE.sub("~", _text(answer.content)))
    return taken


def confidential_work(world: DemoWorld) -> None:
    """Do, as the office, what a department must never learn of."""
    before = set(proposals_of(world, "CGZX"))
    outcomes = world.runtime.intake.ingest([
        SignalIn(channel="petition", department="CGZX", **fields)  # type: ignore[arg-type]
        for fields in PETITIONS])
    assert all(o.status == "evaluated" for o in outcomes), outcomes
    raised = set(proposals_of(world, "CGZX")) - before
    assert raised, "a petition raised no new proposal: the test would prove nothing"
    waiting = sorted(before)
    world.post("jjjcs", f"/api/warnings/{waiting[0]}/triage",
               {"decision": "dismiss", "comment": "经核查不属实"})
    world.post("jjjcs", f"/api/warnings/{waiting[1]}/triage",
               {"decision": "amend", "response": "reminder", "comment": "情节较轻"})
    moved = proposals_of(world, "JJB")[0]
    world.post("jjjcs", f"/api/warnings/{moved}/triage",
               {"decision": "amend", "department": "CGZX", "comment": "改由采购中心办理"})
    silent = outcomes[2].signal_id
    world.post("jjjcs", f"/api/signals/{silent}/triage",
               {"decision": "dismiss", "comment": "不予处理"})


def test_the_offices_confidential_work_moves_nothing_a_department_reads(
    world: DemoWorld,
) -> None:
    before = readings(world)
    assert len(before) > 60, len(before)  # every route, each object: not a handful
    confidential_work(world)
    after = readings(world)
    changed = sorted(key for key in before if before[key] != after.get(key))
    assert changed == [], changed
