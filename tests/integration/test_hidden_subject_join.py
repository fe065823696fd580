"""Known leak, not fixed yet: a direct signal joining a petition's warning names its subject.

A warning raised from a petition hides its person or post subject from the department
(「由纪检部门告知」, `subject_hidden`). Once it is issued it holds the subject's own key, so
a later audit finding about the same person on the same risk point joins it: the
department reads its own finding (naming the person) under that warning, 并入已有预警, and so
learns whom the petition named. Hiding the subject cannot help once the join is made; the
join itself must not be made (say, an issued warning raised from a confidential signal
holding its subject under a key of its own, as a proposal does, `warning.triage.policy`).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.auth.visibility import HIDDEN_SUBJECT
from warning.services.signal_input import SignalIn
from warning.triage.decisions import issue

NAMED = "被反映人H8801"


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


@pytest.mark.xfail(strict=True, reason="a direct signal joins the petition's issued warning")
def test_an_audit_finding_does_not_tell_whom_a_petition_named(world: TriageWorld) -> None:
    _, [proposal] = world.petition(1, person=NAMED)
    with world.runtime.sessions() as session, session.begin():
        issue(session, warning_id=proposal, principal=world.principals["office"],
              grading=world.runtime.rules.current().grading)
    handler = world.client("handler_a")
    assert handler.get(f"/api/warnings/{proposal}").json()["subject_name"] == HIDDEN_SUBJECT
    audit = world.runtime.intake.ingest([SignalIn(
        channel="audit", department="CGZX", title="审计发现串标", text="评标中发现串标迹象。",
        external_id="AUD-H8801", person=NAMED)])[0]
    assert audit.warnings
    # The department reads its finding, naming NAMED, on whichever warning it raised.
    joined = [w.id for w in audit.warnings]
    assert proposal not in joined
