"""研判 before issuing: proposals stay with the office until issued, merged or dismissed."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.engine import transaction
from warning.db.models import HandlingEvent, HandlingRecord, Notice, RiskWarning, WarningSignal
from warning.domain.calendar import DayKind, due_at
from warning.domain.enums import Response
from warning.handling.audit import verify_chains
from warning.handling.errors import NotFound
from warning.handling.holidays import default_calendar
from warning.handling.record_form import record_form
from warning.queries.dashboard import overview
from warning.queries.inbox import inbox_rows
from warning.queries.warnings import find_warning
from warning.review.figures import build_review
from warning.triage.amend import Amendment, amend
from warning.triage.decisions import dismiss, issue
from warning.triage.errors import NotAProposal, OpenWarningExists, TriageInvalid
from warning.triage.manual import ManualWarning, raise_by_hand
from warning.triage.merge import merge

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a working Monday


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _record(world: TriageWorld, warning_id: int) -> HandlingRecord:
    with world.runtime.sessions() as session:
        return session.scalars(select(HandlingRecord)
                               .where(HandlingRecord.warning_id == warning_id)).one()


def _notices(world: TriageWorld) -> list[tuple[str, str]]:
    with world.runtime.sessions() as session:
        return [(n.kind, n.audience) for n in session.scalars(select(Notice))]


def _grading(world: TriageWorld):
    return world.runtime.rules.current().grading


def test_a_petition_raises_a_proposal_only_the_office_sees(world: TriageWorld) -> None:
    _, [wid] = world.petition(1)
    record = _record(world, wid)
    assert record.state == "proposed" and record.receive_due_at is None
    assert record.triage_due_at is not None
    assert _notices(world) == []  # no department is told
    with world.runtime.sessions() as session:
        for role in ("office", "admin"):
            assert find_warning(session, world.principals[role], wid) is not None
        for role in ("handler_a", "leader_a", "reviewer"):
            principal = world.principals[role]
            assert find_warning(session, principal, wid) is None, role
            assert inbox_rows(session, principal) == [], role
            seen = overview(session, principal, now=datetime.now(UTC))
            assert seen.proposals is None and seen.open_total == 0, role
            assert all(d.open == 0 for d in seen.departments), role
        office = overview(session, world.principals["office"], now=datetime.now(UTC))
        assert office.proposals == 1 and office.open_total == 0


def test_the_review_counts_no_proposal(world: TriageWorld) -> None:
    world.petition(2)
    with world.runtime.sessions() as session:
        from warning.domain.quarter import Quarter

        review = build_review(session, principal=None,
                              quarter=Quarter.containing(datetime.now(UTC)),
                              now=datetime.now(UTC))
    assert (review.summary.warnings == 0 and review.warnings_by_department == []) or all(
        d.warnings == 0 for d in review.warnings_by_department)


def test_issue_tells_the_department_then_and_starts_deadlines_from_issuing(
    world: TriageWorld,
) -> None:
    _, [wid] = world.petition(3)
    with transaction(world.runtime.sessions) as session:
        done = issue(session, warning_id=wid, principal=world.principals["office"],
                     grading=_grading(world), comment="经研判属实", now=MONDAY)
    assert done.state == "issued"
    record = _record(world, wid)
    with world.runtime.sessions() as session:
        warning = session.get(RiskWarning, wid)
        assert warning is not None and not warning.is_proposal
        grade = _grading(world).of(warning.response)  # type: ignore[arg-type]
        events = [(e.action, e.to_state) for e in session.scalars(
            select(HandlingEvent).where(HandlingEvent.record_id == record.id)
            .order_by(HandlingEvent.seq))]
        assert find_warning(session, world.principals["handler_a"], wid) is not None
        assert [r.warning.id for r in inbox_rows(session, world.principals["handler_a"])] == [wid]
        assert verify_chains(session) == []
    kind = DayKind(grade.day_kind)
    assert record.receive_due_at == due_at(MONDAY, grade.receive_days, kind, default_calendar())
    assert record.report_due_at == due_at(MONDAY, grade.report_days, kind, default_calendar())
    assert record.triage_due_at is None
    assert events == [("propose", "proposed"), ("issue", "issued")]
    with world.runtime.sessions() as session:  # the printed 下达时间 is when it was issued
        form = record_form(session, world.principals["handler_a"], wid)
        assert form.issued_at == MONDAY
        department = session.scalar(select(RiskWarning.department_id)
                                    .where(RiskWarning.id == wid))
    assert _notices(world) == [("issued", f"department:{department}")]
    with transaction(world.runtime.sessions) as session, pytest.raises(NotAProposal):
        issue(session, warning_id=wid, principal=world.principals["office"],
              grading=_grading(world))


def test_edit_then_issue(world: TriageWorld) -> None:
    _, [wid] = world.petition(4, person="张三")
    office = world.principals["office"]
    with transaction(world.runtime.sessions) as session:
        amend(session, warning_id=wid, principal=office, comment="改由财务科办理",
              amendment=Amendment(response="rectification", department="CWK",
                                  subject_kind="post", subject_name="出纳"))
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=wid, principal=office, grading=_grading(world))
    with world.runtime.sessions() as session:
        warning = session.get(RiskWarning, wid)
        assert warning is not None
        assert (warning.response, warning.subject_kind, warning.subject_name) == (
            "rectification", "post", "出纳")
        assert warning.subject_key.startswith("post:CWK:")
        assert find_warning(session, world.principals["handler_b"], wid) is not None
        assert find_warning(session, world.principals["handler_a"], wid) is None
        amended = session.scalars(select(HandlingEvent).where(
            HandlingEvent.action == "amend")).one()
        assert amended.data["before"]["department"] == "CGZX"
        assert amended.data["after"]["department"] == "CWK"


def test_bad_amendments_change_nothing(world: TriageWorld) -> None:
    _, [wid] = world.petition(5)
    office = world.principals["office"]
    bad = [Amendment(response="death"), Amendment(department="NOPE"),
           Amendment(subject_kind="person", subject_name=""),
           Amendment(subject_kind="person", subject_name="<script>x</script>"),
           Amendment(subject_kind="person", subject_name="名" * 201), Amendment()]
    for amendment in bad:
        with pytest.raises(TriageInvalid) as caught, transaction(world.runtime.sessions) as s:
            amend(s, warning_id=wid, principal=office, amendment=amendment)
        assert caught.value.details["field"] and caught.value.message
    record = _record(world, wid)
    assert record.version == 1 and record.state == "proposed"


def test_merge_into_an_open_warning_of_the_same_point(world: TriageWorld) -> None:
    office = world.principals["office"]
    first_signal, [first] = world.petition(6)
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=first, principal=office, grading=_grading(world))
    second_signal, [second] = world.petition(7, person="李四")
    assert second != first
    with transaction(world.runtime.sessions) as session, pytest.raises(TriageInvalid):
        merge(session, warning_id=second, principal=office, into=str(second),
              grading=_grading(world))
    with transaction(world.runtime.sessions) as session, pytest.raises(TriageInvalid):
        merge(session, warning_id=second, principal=office, into="999999",
              grading=_grading(world))
    with transaction(world.runtime.sessions) as session:
        merge(session, warning_id=second, principal=office, into=str(first), comment="同一事项",
              grading=_grading(world))
    with world.runtime.sessions() as session:
        merged, target = session.get(RiskWarning, second), session.get(RiskWarning, first)
        assert merged is not None and target is not None
        assert not merged.is_open and merged.is_proposal and target.repeat_count == 2
        links = set(session.scalars(select(WarningSignal.signal_id)
                                    .where(WarningSignal.warning_id == first)))
        assert links == {first_signal, second_signal}
        assert _record(world, second).state == "merged"
        assert find_warning(session, world.principals["handler_a"], second) is None
        absorbed = session.scalars(select(HandlingEvent).where(
            HandlingEvent.action == "absorb")).one()
        assert str(second) not in absorbed.comment and "#" not in absorbed.comment
        assert verify_chains(session) == []


def test_merging_a_heavier_proposal_regrades_the_target_from_the_merge(
    world: TriageWorld,
) -> None:
    office = world.principals["office"]
    _, [first] = world.petition(16)
    with transaction(world.runtime.sessions) as session:
        amend(session, warning_id=first, principal=office,
              amendment=Amendment(response="reminder"), comment="情节较轻")
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=first, principal=office, grading=_grading(world), now=MONDAY)
    _, [second] = world.petition(17, person="李四")
    with world.runtime.sessions() as session:
        heavier = session.get(RiskWarning, second)
        assert heavier is not None and heavier.response == "rectification"
    merged_at = MONDAY.replace(day=4)
    with transaction(world.runtime.sessions) as session:
        merge(session, warning_id=second, principal=office, into=str(first),
              grading=_grading(world), now=merged_at)
    with world.runtime.sessions() as session:
        target = session.get(RiskWarning, first)
        assert target is not None and target.response == "rectification"
        regrade = session.scalars(select(HandlingEvent).where(
            HandlingEvent.action == "regrade")).one()
        assert (regrade.data["from"], regrade.data["to"]) == ("reminder", "rectification")
        grade = _grading(world).of(Response("rectification"))
        record = _record(world, first)
        assert record.receive_due_at == due_at(merged_at, grade.receive_days,
                                               DayKind(grade.day_kind), default_calendar())
        assert verify_chains(session) == []


def test_dismiss_needs_a_reason_and_frees_the_key(world: TriageWorld) -> None:
    office = world.principals["office"]
    _, [wid] = world.petition(8)
    with transaction(world.runtime.sessions) as session, pytest.raises(TriageInvalid):
        dismiss(session, warning_id=wid, principal=office, comment="  ")
    assert _record(world, wid).state == "proposed"
    with transaction(world.runtime.sessions) as session:
        dismiss(session, warning_id=wid, principal=office, comment="经核查不属实")
    record = _record(world, wid)
    assert record.state == "dismissed" and record.closed_at is not None
    _, [again] = world.petition(9)  # the same point and subject may be raised anew
    assert again != wid
    with world.runtime.sessions() as session:
        assert find_warning(session, world.principals["handler_a"], wid) is None


def test_departments_cannot_act_on_proposals(world: TriageWorld) -> None:
    _, [wid] = world.petition(10)
    from warning.domain.lifecycle import RoleNotAllowed

    for role in ("handler_a", "leader_a", "reviewer"):
        with pytest.raises((RoleNotAllowed, NotFound)), \
                transaction(world.runtime.sessions) as session:
            dismiss(session, warning_id=wid, principal=world.principals[role], comment="x")
    assert _record(world, wid).state == "proposed"


def test_manual_warning_for_a_signal_that_raised_nothing(world: TriageWorld) -> None:
    signal_id, raised = world.petition(11, text="反映办公室工作作风问题")
    assert raised == []
    office = world.principals["office"]
    form = ManualWarning(risk_point="BG-001", department="BGS", subject_kind="person",
                         subject_name="王五", response="talk")
    with transaction(world.runtime.sessions) as session:
        wid = raise_by_hand(session, signal_id=signal_id, principal=office, form=form,
                            grading=_grading(world))
    record = _record(world, wid)
    assert record.state == "issued" and record.receive_due_at is not None
    assert [kind for kind, _ in _notices(world)] == ["issued"]
    with transaction(world.runtime.sessions) as session, pytest.raises(OpenWarningExists):
        raise_by_hand(session, signal_id=signal_id, principal=office, form=form,
                      grading=_grading(world))
    proposal = ManualWarning(risk_point="BG-001", department="BGS", subject_kind="person",
                             subject_name="赵六", propose=True)
    with transaction(world.runtime.sessions) as session:
        kept = raise_by_hand(session, signal_id=signal_id, principal=office, form=proposal,
                             grading=_grading(world))
    assert _record(world, kept).state == "proposed"
    with world.runtime.sessions() as session:
        count = session.scalar(select(func.count()).select_from(RiskWarning))
    assert count == 2
    for bad in (ManualWarning(risk_point="", department="BGS", subject_kind="department"),
                ManualWarning(risk_point="NO-1", department="BGS", subject_kind="department"),
                ManualWarning(risk_point="BG-001", department="", subject_kind="department"),
                ManualWarning(risk_point="BG-001", department="BGS", subject_kind="x")):
        with transaction(world.runtime.sessions) as session, pytest.raises(TriageInvalid):
            raise_by_hand(session, signal_id=signal_id, principal=office, form=bad,
                          grading=_grading(world))


def test_the_proposal_deadline_orders_the_office_inbox(world: TriageWorld) -> None:
    _, [wid] = world.petition(12)
    with world.runtime.sessions() as session:
        rows = inbox_rows(session, world.principals["office"])
    assert [(r.warning.id, r.due_label) for r in rows] == [(wid, "研判期限")]
    record = _record(world, wid)
    expected = due_at(record.updated_at, world.runtime.settings.triage_days, DayKind.WORKING,
                      default_calendar())
    assert record.triage_due_at == expected

