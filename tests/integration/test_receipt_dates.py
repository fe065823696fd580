"""A receipt lookup gives the days a report came in and was answered in Beijing time."""

from datetime import UTC, datetime

from warning.auth.principal import Principal
from warning.domain.lifecycle import Role
from warning.petitions.input import PetitionIn
from warning.petitions.service import receipt_status, set_reply, store_petition
from warning.runtime import Runtime

OFFICE = Principal(user_id=0, name="防控办", role=Role.OFFICE, department_id=None)


def test_a_report_filed_after_midnight_in_beijing_shows_that_day(runtime: Runtime) -> None:
    filed = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)  # 2026-12-03 01:30 in Beijing
    answered = datetime(2026, 12, 3, 16, 5, tzinfo=UTC)  # 2026-12-04 00:05 in Beijing
    petition = PetitionIn(title="深夜来信反映采购问题", text="反映采购中心有人收受礼金。",
                          department="CGZX", anonymous=True)
    with runtime.sessions() as session, session.begin():
        stored = store_petition(session, petition=petition, cipher=None, now=filed)
        set_reply(session, principal=OFFICE, signal_id=stored.signal_id,
                          text="已收到，正在核查。", now=answered)
    assert stored.receipt_code is not None
    with runtime.sessions() as session:
        found = receipt_status(session, stored.receipt_code)
    assert (found.received_on, found.replied_on) == ("2026-12-03", "2026-12-04")
