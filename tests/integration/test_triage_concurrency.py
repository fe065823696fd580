"""Two tabs, one proposal: each 研判 decision sent many times at once happens exactly once.

The API's decision carries no version by default, so nothing but the database stands
between two identical requests: the others must each get a clear refusal, never a 500.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.db.models import HandlingEvent, HandlingRecord, Notice
from warning.domain.lifecycle import DomainError
from warning.handling.audit import verify_chains
from warning.triage.commands import decide_proposal

RACERS = 8


@dataclass
class Form:
    decision: str
    comment: str = "研判意见"
    response: str = ""
    department: str = ""
    subject_kind: str = ""
    subject_name: str = ""
    into: str = ""
    risk_point: str = ""
    duplicate_of: str = ""
    propose: str = ""
    version: str | int | None = None


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _race(world: TriageWorld, warning_id: int, form: Form) -> list[str]:
    office = world.principals["office"]
    barrier = threading.Barrier(RACERS)
    grading = world.runtime.rules.current().grading

    def attempt(_: int) -> str:
        with world.runtime.sessions() as session:
            barrier.wait()
            try:
                decide_proposal(session, warning_id=warning_id, principal=office, form=form,
                                grading=grading)
                session.commit()
                return "won"
            except DomainError as refused:
                session.rollback()
                return refused.code

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(attempt, range(RACERS)))


@pytest.mark.parametrize("decision", ["issue", "dismiss"])
def test_a_decision_sent_many_times_at_once_is_taken_once(
    world: TriageWorld, decision: str,
) -> None:
    _, (proposal,) = world.petition(1)
    outcomes = _race(world, proposal, Form(decision))
    assert outcomes.count("won") == 1, outcomes
    assert set(outcomes) <= {"won", "not_a_proposal", "invalid_triage"}, outcomes
    with world.runtime.sessions() as session:
        record = session.scalars(select(HandlingRecord)
                                 .where(HandlingRecord.warning_id == proposal)).one()
        actions = list(session.scalars(select(HandlingEvent.action)
                                       .where(HandlingEvent.record_id == record.id)))
        notices = list(session.scalars(select(Notice.kind)
                                       .where(Notice.record_id == record.id)))
        assert verify_chains(session) == []
    assert actions.count(decision) == 1, actions
    assert notices == (["issued"] if decision == "issue" else []), notices
