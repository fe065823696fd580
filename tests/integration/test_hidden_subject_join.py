"""A direct signal never joins a petition's warning: joining named its hidden subject.

A warning raised from a petition hides its person or post subject from the department
(「由纪检部门告知」, `subject_hidden`). Once issued it held the subject's own key, so a later
audit finding about the same person on the same risk point joined it: the department read
its own finding (naming the person) under that warning, 并入已有预警 第 2 次, and so learnt
whom the petition named. Now such a warning holds its subject apart
(`warning.triage.policy.keeps_apart`), however it was issued (研判, or at intake, or by
hand), and the finding raises a warning of its own beside it.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.auth.visibility import HIDDEN_SUBJECT
from warning.db.models import RiskWarning
from warning.domain.quarter import Quarter
from warning.review.figures import build_review
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.triage.decisions import issue

NAMED = "被反映人H8801"


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _issue(world: TriageWorld, warning_id: int) -> None:
    with world.runtime.sessions() as session, session.begin():
        issue(session, warning_id=warning_id, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading)


def _audit(world: TriageWorld, n: int) -> list[int]:
    outcome = world.runtime.intake.ingest([SignalIn(
        channel="audit", department="CGZX", title=f"审计发现串标{n}",
        text="评标中发现串标迹象。", external_id=f"AUD-H88{n}", person=NAMED)])[0]
    return [w.id for w in outcome.warnings]


def test_an_audit_finding_does_not_tell_whom_a_petition_named(world: TriageWorld) -> None:
    _, [petition] = world.petition(1, person=NAMED)
    _issue(world, petition)
    handler = world.client("handler_a")
    assert handler.get(f"/api/warnings/{petition}").json()["subject_name"] == HIDDEN_SUBJECT
    [audit] = _audit(world, 1)
    assert audit != petition
    shown = handler.get(f"/api/warnings/{audit}").json()
    assert shown["subject_name"] == NAMED and shown["repeat_count"] == 1
    assert handler.get(f"/api/warnings/{petition}").json()["repeat_count"] == 1
    # a second finding joins the first, never the petition's
    assert _audit(world, 2) == [audit]
    # the office reads one subject with two warnings in the quarter's repeat subjects
    with world.runtime.sessions() as session:
        now = datetime.now(UTC)
        review = build_review(session, principal=world.principals["office"],
                              quarter=Quarter.containing(now), now=now)
    assert [(s.subject_name, s.warnings) for s in review.repeat_subjects
            if s.subject_name == NAMED] == [(NAMED, 2)]


def test_a_petition_issued_at_once_holds_its_subject_apart_too(world: TriageWorld) -> None:
    """The office's hand-made warning issued at once from a petition: the same."""
    signal, _ = world.petition(2, person=NAMED, text="举报内容不含规则词")
    answer = world.client("office").post(f"/api/signals/{signal}/triage", json={
        "decision": "warn", "risk_point": "CG-001", "department": "CGZX",
        "subject_kind": "person", "subject_name": NAMED})
    assert answer.status_code == 200, answer.text
    by_hand = answer.json()["warning_id"]
    assert _audit(world, 3) != [by_hand]
    with world.runtime.sessions() as session:
        keys = session.scalars(select(RiskWarning.subject_key)  # in raise order
                               .order_by(RiskWarning.created_at, RiskWarning.id)).all()
    assert keys == [f"person:CGZX:{NAMED}#confidential", f"person:CGZX:{NAMED}"]


def test_petitions_are_no_repeat_hits_of_an_audit_finding(runtime: Runtime) -> None:
    """A repeat rule (third report in 30 days about one person) counted two petitions and
    an audit finding as three: the department read a warning about the person raised on
    its first finding, 重复次数 3, and learnt that two reports it could not see named them.
    Here petitions go straight through (the test petition channel does not propose)."""
    def log(channel: str, n: int) -> list[int]:
        outcome = runtime.intake.ingest([SignalIn(
            channel=channel, department="CWK", title=f"反映虚报{n}",
            text=f"报销中虚报差旅费，第{n}次。", external_id=f"REP-{channel}-{n}",
            person=NAMED)])[0]
        return [w.id for w in outcome.warnings]

    assert log("petition", 1) == [] and log("petition", 2) == []
    assert log("audit", 3) == []  # its first hit, as far as a department may know
    [raised] = log("petition", 4)  # the petitions' third hit: a warning apart
    with runtime.sessions() as session:
        key = session.scalars(select(RiskWarning.subject_key)
                              .where(RiskWarning.id == raised)).one()
    assert key == f"person:CWK:{NAMED}#confidential"
