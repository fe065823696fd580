"""研判修改 on the trail: what an amendment changed, in Chinese, before and after."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_triage_pages import _post, _record
from tests.integration.triage_world import TriageWorld, build_triage_world


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def test_the_trail_shows_what_an_amendment_changed(world: TriageWorld) -> None:
    _, [wid] = world.petition(5)
    office = world.client("office")
    before = _record(world, wid)
    assert before.state == "proposed"
    answer = _post(office, f"/warnings/{wid}/triage", {
        "decision": "amend", "response": "reminder", "department": "CWK",
        "subject_kind": "person", "subject_name": "周某某", "comment": "核实后调整"})
    assert answer.status_code == 303, answer.text[:2000]
    page = office.get(f"/warnings/{wid}").text
    trail = page[page.index('id="handling-events"'):]
    changed = re.search(r'<div class="sub amended">(.*?)</div>', trail, re.S)
    assert changed, trail[:3000]
    shown = re.sub(r"<[^>]+>", "", changed.group(1))
    assert "→ 风险提示" in shown and "采购中心 → 财务科" in shown and "→ 周某某（个人）" in shown
    assert "reminder" not in shown and "CWK" not in shown and "CGZX" not in shown
