"""How many 研判 steps a warning went through before it was issued is the office's to know.

The department read it off the numbers: its trail started at seq 4 after three hidden
steps (seq 1 after none), and the record's version — in the API, in the page's action
form, in a 409's message — was higher by as many. Now those who never see proposals read
seq and version counted from the 下达, and the version they send back is taken as such.
"""

import difflib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.models import HandlingRecord, RiskWarning
from warning.triage.amend import Amendment, amend
from warning.triage.decisions import issue
from warning.web.pages.csrf import COOKIE

DEPARTMENT = ("handler_a", "leader_a")
# Petitions far enough apart not to be one another's repeat (重复信访 raises the grade).
TEXTS = {1: "采购中心评标中有人串标，投标文件雷同",
         2: "反映去年办公楼维修工程招标时几家公司围标串标、报价呈规律性差异",
         3: "有供应商私下约定轮流中标，评标专家收受好处费后串标"}
# What differs between two warnings besides their 研判: ids, times, hashes, signal words.
VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}|[0-9a-f]{64}|[A-Za-z0-9_\-.]{32,}"
    r"|/warnings/\d+|#\d+|\"(warning_)?id\": ?\d+|\"signal_ids\": ?\[[^]]*\]|举报\d|T-\d|被反映人\d"
)


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _issued_after(world: TriageWorld, n: int, steps: int) -> int:
    """Raise a proposal, amend it `steps` times and issue it; return the warning id."""
    _, [wid] = world.petition(n, person=f"被反映人{n}", text=TEXTS[n])
    office = world.principals["office"]
    grading = world.runtime.rules.current().grading
    with world.runtime.sessions() as session:
        first = session.scalars(select(RiskWarning.response).where(RiskWarning.id == wid)).one()
        other = "reminder" if first != "reminder" else "talk"
        for step in range(steps):  # back and forth: it ends as it began
            amend(session, warning_id=wid, principal=office, comment=f"核实{step}",
                  amendment=Amendment(response=(other, first)[step % 2]))
            session.commit()
        issue(session, warning_id=wid, principal=office, grading=grading)
        session.commit()
    return wid


def _views(world: TriageWorld, wid: int) -> dict[str, Any]:
    seen = {}
    for role in DEPARTMENT:
        client = world.client(role)
        for url in (f"/api/warnings/{wid}", f"/api/warnings/{wid}/events", "/api/inbox",
                    f"/warnings/{wid}"):
            answer = client.get(url)
            assert answer.status_code == 200, (role, url, answer.text[:300])
            text = answer.text
            if url == "/api/inbox":  # the one warning of the department's inbox
                text = json.dumps([i for i in answer.json() if i["warning_id"] == wid])
            seen[f"{role} {url.replace(str(wid), 'W')}"] = VOLATILE.sub("~", text)
    return seen


def _absolute_version(world: TriageWorld, wid: int) -> int:
    with world.runtime.sessions() as session:
        return session.scalars(select(HandlingRecord.version)
                               .where(HandlingRecord.warning_id == wid)).one()


def test_the_department_reads_the_same_whatever_the_triage(world: TriageWorld) -> None:
    direct, triaged = _issued_after(world, 1, 0), _issued_after(world, 2, 4)
    assert _absolute_version(world, triaged) > _absolute_version(world, direct)
    before, after = _views(world, direct), _views(world, triaged)
    differ = {k: [line for line in difflib.unified_diff(
        before[k].splitlines(), after[k].splitlines(), lineterm="", n=0)][2:]
        for k in before if before[k] != after[k]}
    assert differ == {}, json.dumps(differ, ensure_ascii=False, indent=1)
    events = world.client("handler_a").get(f"/api/warnings/{triaged}/events").json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    # as a warning the intake issued at once reads: its 下达 is seq 1, version 1
    assert events[0]["action"] == "issue" and events[0]["seq"] == 1
    assert world.client("handler_a").get(f"/api/warnings/{triaged}").json()["version"] == 1


def test_the_department_acts_with_the_version_it_was_shown(world: TriageWorld) -> None:
    wid = _issued_after(world, 3, 4)
    handler = world.client("handler_a")
    shown = handler.get(f"/api/warnings/{wid}").json()["version"]
    stale = handler.post(f"/api/warnings/{wid}/actions",
                         json={"action": "receive", "version": shown - 1})
    assert stale.status_code == 409
    message = str(stale.json())
    assert str(_absolute_version(world, wid)) not in re.sub(rf"\b{shown}\b", "", message)
    done = handler.post(f"/api/warnings/{wid}/actions",
                        json={"action": "receive", "version": shown})
    assert done.status_code == 200, done.text
    assert done.json()["version"] == shown + 1
    assert done.json()["event"]["seq"] == 2  # 下达, then this 签收
    page = handler.get(f"/warnings/{wid}").text
    assert f'name="version" value="{shown + 1}"' in page
    form = handler.post(f"/warnings/{wid}/actions", data={
        "csrf_token": handler.cookies.get(COOKIE, ""), "action": "assign",
        "responsible_person": "李四", "version": str(shown + 1)})
    assert form.status_code == 303, form.text[:500]
    office = world.client("office").get(f"/api/warnings/{wid}").json()
    assert office["version"] == _absolute_version(world, wid)  # the office: as stored
