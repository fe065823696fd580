"""The office's 研判 of signals is the office's: no department reads it anywhere.

The signal list showed every reader the badge 重复信号 or 不予处理 that the office put on a
signal, though the signal's page kept its 研判 section from them: a department whose audit
finding read 重复信号 learnt that another report of the matter had come in, one it could not
see (a petition about it). Now every GET route reads the same to a department, and to a
reviewer, before and after the office decides on signals and judges a proposal.
"""

import pytest

from tests.integration.route_world import AUDIT_A, RouteWorld, build_route_world
from tests.integration.test_route_authz import snapshot
from warning.runtime import Runtime

# Nobody but the office: the departments, and the reviewer who reads every petition.
OTHERS = ["handler_a", "leader_a", "handler_b", "reviewer"]


@pytest.fixture
def world(runtime: Runtime) -> RouteWorld:
    return build_route_world(runtime)


def _decide(world: RouteWorld, signal: str, **body: str) -> int | None:
    answer = world.client("office").post(f"/api/signals/{world.signals[signal]}/triage",
                                          json=body)
    assert answer.status_code in (200, 201), answer.text
    warning_id: int | None = answer.json()["warning_id"]
    return warning_id


@pytest.mark.slow
def test_the_offices_signal_decisions_change_nothing_a_department_reads(
    world: RouteWorld,
) -> None:
    before = snapshot(world, OTHERS)
    _decide(world, "A", decision="duplicate", duplicate_of=str(world.signals["canary"]),
            comment="与举报重复D7001")
    _decide(world, "B", decision="dismiss", comment="不予处理理由D7002")
    proposal = _decide(world, "canary", decision="warn", risk_point="CG-002",
                       department="CGZX", subject_kind="person",
                       subject_name="人工研判对象D7003", propose="1", comment="人工预警D7004")
    office = world.client("office")
    for body in ({"decision": "amend", "department": "CWK", "comment": "改由财务科D7005"},
                 {"decision": "dismiss", "comment": "不予下达D7006"}):
        answer = office.post(f"/api/warnings/{proposal}/triage", json=body)
        assert answer.status_code == 200, answer.text
    after = snapshot(world, OTHERS)
    assert [key for key in before if before[key] != after[key]] == []
    # the office reads its decisions on the list: else the comparison could notice nothing
    listed = office.get("/signals").text
    assert "重复信号" in listed and "不予处理" in listed


def test_the_signal_list_shows_a_department_no_decision(world: RouteWorld) -> None:
    _decide(world, "A", decision="duplicate", duplicate_of=str(world.signals["canary"]))
    page = world.client("handler_a").get("/signals").text
    assert AUDIT_A["title"] in page
    assert "重复信号" not in page
    assert "重复信号" in world.client("office").get("/signals").text
