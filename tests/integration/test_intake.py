"""Signals are stored first, evaluated against the rules, and raise graded warnings."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from warning.db.models import (
    HandlingEvent,
    HandlingRecord,
    Notice,
    RiskWarning,
    RuleHit,
    Signal,
)
from warning.domain.enums import Response
from warning.handling.audit import verify_chains
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn


def _signal(n: int | str, text: str, **fields: object) -> SignalIn:
    base = {"channel": "petition", "external_id": f"S-{n}", "title": f"来信 {n}", "text": text}
    return SignalIn.model_validate(base | fields)


def _count(rt: Runtime, model: type) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_matching_signal_raises_a_warning_with_rule_and_version(runtime: Runtime) -> None:
    outcome = runtime.intake.ingest(
        [_signal(1, "反映采购中心在设备采购中存在串标", department="CGZX")]
    )[0]
    assert outcome.created and outcome.status == "evaluated"
    assert [(w.rule_id, w.risk_point, w.new) for w in outcome.warnings] == [
        ("bid-collusion", "CG-001", True)
    ]
    with runtime.sessions() as session:
        warning = session.get(RiskWarning, outcome.warnings[0].id)
        assert warning is not None
        assert warning.rule_version and len(warning.rule_version) >= 8
        assert warning.department.code == "CGZX"
        record = session.scalar(
            select(HandlingRecord).where(HandlingRecord.warning_id == warning.id)
        )
        assert record is not None and record.state == "issued"
        events = session.scalars(select(HandlingEvent).where(HandlingEvent.record_id == record.id))
        assert [e.action for e in events] == ["issue"]


def test_signal_that_matches_nothing_is_stored_and_evaluated(runtime: Runtime) -> None:
    outcome = runtime.intake.ingest([_signal(2, "建议食堂增加菜品", department="BGS")])[0]
    assert outcome.created and outcome.status == "evaluated" and outcome.warnings == []
    assert _count(runtime, Signal) == 1 and _count(runtime, RiskWarning) == 0


def test_same_external_id_twice_stores_one_signal_and_answers_the_first_result(
    runtime: Runtime,
) -> None:
    first = runtime.intake.ingest([_signal(3, "举报围标", department="CGZX")])[0]
    again = runtime.intake.ingest([_signal(3, "举报围标（重复提交）", department="CGZX")])[0]
    assert first.created and not again.created
    assert again.signal_id == first.signal_id
    assert again.warnings == first.warnings
    assert _count(runtime, Signal) == 1 and _count(runtime, RiskWarning) == 1


def test_duplicates_inside_one_batch_store_once(runtime: Runtime) -> None:
    outcomes = runtime.intake.ingest([_signal(4, "陪标", department="CGZX")] * 3)
    assert [o.created for o in outcomes] == [True, False, False]
    assert len({o.signal_id for o in outcomes}) == 1
    assert _count(runtime, Signal) == 1


def test_unknown_channel_and_department_are_refused_and_nothing_is_stored(
    runtime: Runtime,
) -> None:
    bad_channel, bad_department, good = runtime.intake.ingest(
        [
            _signal(5, "串标", channel="nope"),
            _signal(6, "串标", department="XX"),
            _signal(7, "串标", department="CGZX"),
        ]
    )
    assert bad_channel.error is not None and bad_channel.error.field == "channel"
    assert "nope" in bad_channel.error.message
    assert bad_department.error is not None and bad_department.error.field == "department"
    assert good.created and good.error is None
    assert _count(runtime, Signal) == 1


def test_another_signal_on_the_same_subject_attaches_to_the_open_warning(
    runtime: Runtime,
) -> None:
    first = runtime.intake.ingest([_signal(8, "张三参与串标", department="CGZX", person="张三")])[0]
    second = runtime.intake.ingest(
        [_signal(9, "又反映张三围标", department="CGZX", person="张三")]
    )[0]
    other = runtime.intake.ingest([_signal(10, "李四串标", department="CGZX", person="李四")])[0]
    assert second.warnings[0].id == first.warnings[0].id and not second.warnings[0].new
    assert other.warnings[0].id != first.warnings[0].id
    with runtime.sessions() as session:
        warning = session.get(RiskWarning, first.warnings[0].id)
        assert warning is not None and warning.repeat_count == 2
    assert _count(runtime, RiskWarning) == 2


def test_repeat_rule_raises_only_at_the_nth_signal_and_counts_survive_restart(
    runtime: Runtime,
) -> None:
    texts = ["反映赵六虚报差旅费", "赵六冒领补贴", "赵六套取资金"]
    results = [
        runtime.intake.ingest([_signal(20 + i, t, department="CWK", person="赵六")])[0]
        for i, t in enumerate(texts[:2])
    ]
    assert all(r.warnings == [] for r in results)
    assert _count(runtime, RuleHit) == 2
    # A fresh runtime (a restart) counts the stored hits, not memory.
    from warning.runtime import build_runtime

    restarted = build_runtime(runtime.settings)
    third = restarted.intake.ingest([_signal(22, texts[2], department="CWK", person="赵六")])[0]
    restarted.close()
    assert [w.rule_id for w in third.warnings] == ["false-claims-repeat"]


def test_monitor_rule_records_a_hit_and_raises_nothing(runtime: Runtime) -> None:
    outcome = runtime.intake.ingest([_signal(30, "有人反映公车私用", department="BGS")])[0]
    assert outcome.warnings == []
    with runtime.sessions() as session:
        hits = session.scalars(select(RuleHit)).all()
    assert [(h.rule_id, h.mode, h.warning_id) for h in hits] == [
        ("car-private-monitor", "monitor", None)
    ]


def test_failed_evaluation_keeps_the_signal_and_a_retry_evaluates_it(runtime: Runtime) -> None:
    from warning.db.models import RiskPoint

    with runtime.sessions() as session, session.begin():
        point = session.scalar(select(RiskPoint).where(RiskPoint.code == "CG-001"))
        assert point is not None
        point.code = "CG-001-OLD"
    outcome = runtime.intake.ingest([_signal(40, "串标", department="CGZX")])[0]
    assert outcome.created and outcome.status == "failed"
    with runtime.sessions() as session:
        signal = session.get(Signal, outcome.signal_id)
        assert signal is not None and "CG-001" in signal.last_error and signal.attempts == 1
    with runtime.sessions() as session, session.begin():
        point = session.scalar(select(RiskPoint).where(RiskPoint.code == "CG-001-OLD"))
        assert point is not None
        point.code = "CG-001"
    assert runtime.intake.retry_failed() == 0  # not due before its backoff has passed
    later = datetime.now(UTC) + timedelta(seconds=61)
    runtime.intake.clock = lambda: later
    assert runtime.intake.retry_failed() == 1
    with runtime.sessions() as session:
        signal = session.get(Signal, outcome.signal_id)
        assert signal is not None and signal.status == "evaluated"
    assert _count(runtime, RiskWarning) == 1


def test_one_batch_opens_records_at_version_one_and_chains_a_regrade_after_the_issue(
    runtime: Runtime,
) -> None:
    outcomes = runtime.intake.ingest([
        _signal(20, "王五参与串标", department="CGZX", person="王五"),
        _signal(21, "赵六参与串标", department="CGZX", person="赵六"),
        _signal(22, "又反映王五围标串标", department="CGZX", person="王五"),
    ])
    first, other, repeat = (o.warnings[0] for o in outcomes)
    assert first.new and other.new and not repeat.new and repeat.id == first.id
    with runtime.sessions() as session:
        records = {
            r.warning_id: r for r in session.scalars(select(HandlingRecord))
        }
        assert {w: (r.version, r.state) for w, r in records.items()} == {
            first.id: (1, "issued"), other.id: (1, "issued")
        }
        assert all(r.receive_due_at and r.report_due_at for r in records.values())
        warning = session.get(RiskWarning, first.id)
        assert warning is not None and warning.repeat_count == 2
        events = list(session.scalars(
            select(HandlingEvent).where(HandlingEvent.record_id == records[first.id].id)
            .order_by(HandlingEvent.seq)
        ))
        assert [(e.seq, e.action) for e in events] == [(1, "issue"), (2, "regrade")]
        assert events[1].prev_hash == events[0].hash
        assert events[1].data["to"] == warning.response != events[0].data["response"]
        assert events[1].data["repeat_count"] == 2 and "第2次" in events[1].comment
        notices = [tuple(n) for n in session.execute(select(Notice.record_id, Notice.kind))]
        assert sorted(notices) == sorted((r.id, "issued") for r in records.values())
    with runtime.sessions() as session:
        assert verify_chains(session) == []


def test_each_regrade_in_a_batch_records_the_count_that_raised_it(runtime: Runtime) -> None:
    outcomes = runtime.intake.ingest([
        _signal(30 + n, "采购中心拆分合同规避招标", channel="audit", department="CGZX",
                person="钱七", amount="50000")
        for n in range(3)
    ])
    warning_id = outcomes[0].warnings[0].id
    assert {o.warnings[0].id for o in outcomes} == {warning_id}
    with runtime.sessions() as session:
        record = session.scalar(
            select(HandlingRecord).where(HandlingRecord.warning_id == warning_id)
        )
        assert record is not None
        regrades = session.scalars(
            select(HandlingEvent)
            .where(HandlingEvent.record_id == record.id, HandlingEvent.action == "regrade")
            .order_by(HandlingEvent.seq)
        ).all()
    assert [e.data["repeat_count"] for e in regrades] == [2, 3]
    assert ["第2次" in regrades[0].comment, "第3次" in regrades[1].comment] == [True, True]
    assert regrades[0].data["to"] == regrades[1].data["from"]
    # the trail is read in Chinese: the responses by their labels, never their codes
    for event in regrades:
        before, after = Response(event.data["from"]).label, Response(event.data["to"]).label
        assert f"处置措施由{before}升级为{after}" in event.comment, event.comment
