"""A receipt lookup tells a reporter what happened to their report since it came in, never
what the office already knew: a look-alike report must not reveal that others reported the
same matter (its case), that a warning about the same person is open, or that an earlier
case was concluded."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.integration.route_world import NAMED_IN_B, PETITIONS_B, RouteWorld, build_route_world
from tests.integration.test_public_report import _code, _file, _lookup
from warning.db.models import HandlingRecord, RiskWarning, Signal, SignalLink, WarningSignal
from warning.petitions.receipts import StoredRateLimiter
from warning.runtime import Runtime

# Each a report anyone could file about B; each lands on something the office already had.
LOOK_ALIKES = {
    # near-duplicate of B's three petitions: joins their case, whose warning is open
    "case": {"title": "再次反映", "text": PETITIONS_B[0].replace("第1次", "第9次"),
             "department": "CWK", "person": ""},
    # names the person of B's open repeat warning: joins that warning
    "subject": {"title": "反映报销问题", "text": "财务科有人套取报销款项。", "department": "CWK",
                "person": NAMED_IN_B},
}
UNRELATED = {"title": "反映食堂", "text": "反映财务科食堂账目不清，饭菜价格偏高，请核查。",
             "department": "CWK", "person": ""}


@pytest.fixture
def world(runtime: Runtime) -> RouteWorld:
    world = build_route_world(runtime)
    world.app.state.report_limiter = StoredRateLimiter(runtime.sessions, capacity=200,
                                                       period=600.0, action="report")
    world.app.state.receipt_limiter = StoredRateLimiter(runtime.sessions, capacity=200,
                                                        period=60.0, action="receipt")
    return world


def _status(client: TestClient, code: str) -> str:
    found = re.search(r'id="report-status">([^<]+)<', _lookup(client, code).text)
    assert found
    return found.group(1)


def _filed(world: RouteWorld, client: TestClient, fields: dict[str, str]) -> tuple[str, int]:
    code = _code(_file(client, fields).text)
    with world.app.state.runtime.sessions() as session:
        return code, session.scalars(select(Signal.id).order_by(Signal.id.desc())).first()


def _joined(runtime: Runtime, signal_id: int) -> set[int]:
    """Return the warnings the report reached: its own links and its case's."""
    with runtime.sessions() as session:
        case = session.scalar(select(SignalLink.case_signal_id)
                              .where(SignalLink.signal_id == signal_id))
        members = set(session.scalars(select(SignalLink.signal_id)
                                      .where(SignalLink.case_signal_id == case))) | {signal_id}
        return set(session.scalars(select(WarningSignal.warning_id)
                                   .where(WarningSignal.signal_id.in_(members))))


def _close(runtime: Runtime, warning_ids: set[int], at: datetime) -> None:
    with runtime.sessions() as session, session.begin():
        session.execute(update(RiskWarning).where(RiskWarning.id.in_(warning_ids))
                        .values(is_open=False))
        session.execute(update(HandlingRecord).where(HandlingRecord.warning_id.in_(warning_ids))
                        .values(state="closed", closed_at=at))


@pytest.mark.parametrize("kind", sorted(LOOK_ALIKES))
def test_a_look_alike_report_reads_received_while_the_matter_is_open(
    world: RouteWorld, runtime: Runtime, kind: str,
) -> None:
    client = TestClient(world.app, follow_redirects=False)
    code, signal_id = _filed(world, client, LOOK_ALIKES[kind])
    reached = _joined(runtime, signal_id)
    assert reached, "the look-alike reaches the matter the office already handles"
    assert _status(client, code) == "已受理"
    unrelated, _ = _filed(world, client, UNRELATED)
    assert _status(client, unrelated) == "已受理"  # the same answer as a report on nothing
    # What happens after the report came in reaches its reporter: the matter is concluded.
    _close(runtime, reached, datetime.now(UTC))
    assert _status(client, code) == "已办结"


def test_a_report_joining_a_case_concluded_before_it_reads_received(
    world: RouteWorld, runtime: Runtime,
) -> None:
    client = TestClient(world.app, follow_redirects=False)
    with runtime.sessions() as session:
        before = set(session.scalars(
            select(WarningSignal.warning_id).join(Signal, Signal.id == WarningSignal.signal_id)
            .where(Signal.external_id.like("P4404-%"))))
    _close(runtime, before, datetime.now(UTC) - timedelta(days=30))
    code, signal_id = _filed(world, client, LOOK_ALIKES["case"])
    assert before <= _joined(runtime, signal_id)
    assert _status(client, code) == "已受理"


def test_a_report_raising_its_own_warning_reads_handling(world: RouteWorld) -> None:
    client = TestClient(world.app, follow_redirects=False)
    code, _ = _filed(world, client, {"title": "反映采购串标", "department": "CGZX", "person": "",
                                     "text": "某供应商在设备采购中与他人围标串标X5150。"})
    assert _status(client, code) == "办理中"


def test_a_duplicate_the_office_marked_reads_the_original_s_progress(
    world: RouteWorld, runtime: Runtime,
) -> None:
    """The office's own link is no look-up: the reporter follows the original matter."""
    client = TestClient(world.app, follow_redirects=False)
    code, signal_id = _filed(world, client, UNRELATED)
    with runtime.sessions() as session, session.begin():
        session.get(Signal, signal_id).duplicate_of_id = world.signals["B"]  # type: ignore[union-attr]
    assert _status(client, code) == "办理中"  # B's audit warning, issued before, is open
