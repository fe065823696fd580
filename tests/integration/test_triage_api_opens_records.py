"""A warning raised by hand over the API (研判: warn) opens its record on both databases.

On PostgreSQL the API's triage routes run their work on the asyncio engine; opening a record
reached psycopg's raw (async) cursor from sync code and answered 500 there, while the page
(sync) worked.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.triage_world import TriageWorld, build_triage_world, record_state


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def test_a_warning_raised_by_hand_over_the_api_is_issued(world: TriageWorld) -> None:
    quiet, raised = world.petition(21, text="反映工作作风问题")
    assert raised == []
    answer = world.client("office").post(f"/api/signals/{quiet}/triage", json={
        "decision": "warn", "risk_point": "BG-001", "department": "BGS",
        "subject_kind": "person", "subject_name": "王五", "comment": "经核查属实"})
    assert answer.status_code == 200, answer.text
    state, actions, notices, _count = record_state(world, answer.json()["warning_id"])
    assert state == "issued" and actions[0] == "issue" and notices, (actions, notices)

