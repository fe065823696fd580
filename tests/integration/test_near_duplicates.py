"""Near-duplicate signals link to the earliest one as their case, on both databases."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.db.models import Channel, Department, Signal, SignalBand, SignalLink
from warning.db.models.base import utcnow
from warning.dedup.linking import in_case, link_near_duplicates, repeat_count, repeat_counts
from warning.runtime import Runtime

BASE = (
    "举报采购中心张某某在2024年办公设备采购项目中，与供应商串通投标，事先泄露标底，"
    "并收受供应商好处费约五万元。该项目预算一百二十万元，中标单位报价与标底仅差三百元。请组织核查。"
)
FEW_CHARS = BASE.replace("约五万元", "大约5万元").replace("请组织核查", "请予核查")
REORDERED = (
    "该项目预算一百二十万元，中标单位报价与标底仅差三百元！举报采购中心张某某在2024年"
    "办公设备采购项目中 与供应商串通投标 事先泄露标底 并收受供应商好处费约五万元 请组织核查"
)
OTHER = (
    "举报采购中心张某某在2024年公务用车使用中，长期公车私用，周末驾驶公车接送家属，"
    "并虚报加油费用约八千元。请组织核查。"
)


def _add(session: Session, n: int, text: str, department: str = "CGZX",
         channel: str = "petition", days_ago: int = 0) -> Signal:
    signal = Signal(
        channel_id=session.scalar(select(Channel.id).where(Channel.code == channel)),
        external_id=f"N-{n}", title=f"来信{n}", text=text,
        department_id=session.scalar(select(Department.id).where(Department.code == department)),
        received_at=utcnow() - timedelta(days=days_ago),
    )
    session.add(signal)
    session.flush()
    return signal


def test_rewordings_link_to_the_first_and_a_different_complaint_does_not(
    runtime: Runtime,
) -> None:
    with runtime.sessions() as session, session.begin():
        first = _add(session, 1, BASE)
        assert link_near_duplicates(session, [first]) == {first.id: first.id}
    with runtime.sessions() as session, session.begin():
        batch = [_add(session, 2, FEW_CHARS), _add(session, 3, REORDERED),
                 _add(session, 4, OTHER), _add(session, 5, BASE.replace("。", "."))]
        cases = link_near_duplicates(session, batch)
    few, reordered, other, punctuated = (s.id for s in batch)
    assert cases == {few: first.id, reordered: first.id, other: other,
                     punctuated: first.id}
    with runtime.sessions() as session:
        assert repeat_count(session, first.id) == 1
        assert repeat_count(session, reordered) == 3
        assert repeat_counts(session, [punctuated, other]) == {punctuated: 4, other: 1}
        members = session.scalars(select(Signal.id).where(in_case(session, few, Signal.id))
                                  .order_by(Signal.id)).all()
        assert list(members) == [first.id, few, reordered, punctuated]


def test_linking_again_is_idempotent(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        signals = [_add(session, 1, BASE), _add(session, 2, FEW_CHARS)]
        first = link_near_duplicates(session, signals)
    with runtime.sessions() as session, session.begin():
        again = link_near_duplicates(session, list(session.scalars(select(Signal))))
        assert again == first
        assert session.scalar(select(func.count()).select_from(SignalLink)) == 2


def test_other_departments_channels_and_old_signals_are_not_repeats(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        old = _add(session, 1, BASE, days_ago=400)
        link_near_duplicates(session, [old])
        other_department = _add(session, 2, BASE, department="CWK")
        other_channel = _add(session, 3, BASE, channel="audit")
        cases = link_near_duplicates(session, [other_department, other_channel])
    assert cases == {other_department.id: other_department.id,
                     other_channel.id: other_channel.id}


def test_lookup_probes_bands_not_every_signal(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        signals = [_add(session, n, f"{OTHER}第{n}号补充材料{'甲乙丙丁'[n % 4]}" * (n % 3 + 1))
                   for n in range(1, 41)]
        link_near_duplicates(session, signals)
        assert session.scalar(select(func.count()).select_from(SignalBand)) == 40 * 20
