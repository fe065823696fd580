"""A proposal and an issued warning never share an open key (warning.triage.policy).

A petition is the office's until it judges it (研判). Had it joined a warning its department
already handles, the department would have seen one more (hidden) signal on it, its repeat
count and perhaps a regrade, the moment the petition came in: a tip-off about a report on
them. Had an audit finding joined an open petition proposal, either the finding would wait
on the petition's 研判 or the proposal would be issued with the petition in it. Now each
keeps its own key: the petition raises or joins a proposal beside the issued warning, the
finding raises or joins an issued warning beside the proposal, and the office merges or
issues the proposal when it has judged it.
"""

import difflib
import importlib.util
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from tests.integration.triage_world import (
    COLLUSION,
    TriageWorld,
    build_triage_world,
    record_state,
)
from warning.db.engine import transaction
from warning.db.models import (
    Channel,
    HandlingRecord,
    RiskWarning,
    RuleHit,
    Signal,
)
from warning.services.signal_input import SignalIn
from warning.triage.decisions import issue
from warning.triage.manual import ManualWarning, raise_by_hand
from warning.triage.policy import PROPOSAL_KEY_SUFFIX

MIGRATION = (Path(__file__).parents[2] / "warning" / "db" / "migrations" / "versions"
             / "0010c_proposal_keys.py")


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _audit(n: int, **fields: object) -> SignalIn:
    values: dict[str, object] = {"channel": "audit", "department": "CGZX",
                                 "title": f"审计发现{n}", "text": COLLUSION.format(n=n),
                                 "external_id": f"A-{n}"}
    return SignalIn(**(values | fields))  # type: ignore[arg-type]


def _petition(n: int) -> SignalIn:
    return SignalIn(channel="petition", department="CGZX", title=f"举报{n}",
                    text=COLLUSION.format(n=n), external_id=f"T-{n}")


# what changes from one request to the next: CSRF tokens, the clocks of the footer and of
# the printed record
_VOLATILE = re.compile(r'name="csrf_token" value="[^"]*"|<meta name="csrf-token"[^>]*>'
                       r"|北京时间（\d{4}-\d\d-\d\d \d\d:\d\d）"
                       r"|打印时间：\d{4}-\d\d-\d\d \d\d:\d\d")


def _department_view(world: TriageWorld, warning_id: int) -> dict[str, str]:
    """Everything the department's handler and leader read about the warning and their
    lists, pages and API (what changes by itself left out)."""
    urls = ["/", "/warnings", "/warnings?state=open", "/inbox", f"/warnings/{warning_id}",
            f"/warnings/{warning_id}/print", "/api/warnings", f"/api/warnings/{warning_id}",
            f"/api/warnings/{warning_id}/events", "/signals"]
    view = {}
    for role in ("handler_a", "leader_a"):
        client = world.client(role)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (role, url, response.status_code)
            view[f"{role} {url}"] = f"{response.status_code} {_VOLATILE.sub('', response.text)}"
    return view


def _same(after: dict[str, str], before: dict[str, str]) -> None:
    """Assert two views are equal, showing the lines that differ."""
    for key, page in before.items():
        diff = "\n".join(difflib.unified_diff(page.splitlines(), after[key].splitlines(),
                                               lineterm="", n=0))
        assert not diff, f"{key}:\n{diff}"


def test_a_petition_on_a_warning_the_department_handles_tells_it_nothing(
    world: TriageWorld,
) -> None:
    [issued] = [w.id for w in world.runtime.intake.ingest([_audit(1)])[0].warnings]
    before = _department_view(world, issued)
    _same(_department_view(world, issued), before)  # the control: nothing else moves
    _, [proposal] = world.petition(2)
    assert proposal != issued
    _same(_department_view(world, issued), before)
    assert record_state(world, issued) == ("issued", ["issue"], ["issued"], 1)
    assert record_state(world, proposal) == ("proposed", ["propose"], [], 1)
    _, [again] = world.petition(3)  # a second petition joins the proposal, not the warning
    assert again == proposal and record_state(world, proposal)[3] == 2
    _same(_department_view(world, issued), before)


def test_an_audit_finding_beside_a_proposal_is_issued_alone(world: TriageWorld) -> None:
    _, [proposal] = world.petition(4)
    [issued] = [w.id for w in world.runtime.intake.ingest([_audit(4)])[0].warnings]
    assert issued != proposal
    assert record_state(world, proposal) == ("proposed", ["propose"], [], 1)
    assert record_state(world, issued) == ("issued", ["issue"], ["issued"], 1)
    handler = world.client("handler_a")
    assert handler.get(f"/api/warnings/{proposal}").status_code == 404
    assert handler.get(f"/api/warnings/{issued}").json()["repeat_count"] == 1
    assert "保密" not in handler.get(f"/warnings/{issued}").text


def test_one_batch_with_a_petition_and_an_audit_finding_raises_both(world: TriageWorld) -> None:
    outcomes = world.runtime.intake.ingest([_petition(5), _audit(5), _petition(6), _audit(6)])
    ids = [[w.id for w in o.warnings] for o in outcomes]
    assert ids[0] == ids[2] and ids[1] == ids[3] and ids[0] != ids[1]
    state, actions, notices, count = record_state(world, ids[0][0])
    assert (state, actions[0], notices, count) == ("proposed", "propose", [], 2)
    assert "issue" not in actions
    state, actions, notices, count = record_state(world, ids[1][0])
    assert (state, actions[0], notices, count) == ("issued", "issue", ["issued"], 2)
    assert "propose" not in actions


def test_issuing_a_proposal_beside_an_open_warning_is_refused_naming_it(
    world: TriageWorld,
) -> None:
    [issued] = [w.id for w in world.runtime.intake.ingest([_audit(7)])[0].warnings]
    _, [proposal] = world.petition(7)
    office = world.client("office")
    page = office.get(f"/warnings/{proposal}").text  # the office is told before it tries
    held_by = re.search(r'<p class="field-hint" id="triage-held-by">(.*?)</p>', page)
    assert held_by is not None and f'href="/warnings/{issued}"' in held_by.group(1)
    assert "合并到已有预警" in held_by.group(1)
    refused = office.post(f"/api/warnings/{proposal}/triage", json={"decision": "issue"})
    assert refused.status_code == 409, refused.text
    assert f"#{issued}" in refused.text and "合并" in refused.text
    assert record_state(world, proposal)[0] == "proposed"
    merged = office.post(f"/api/warnings/{proposal}/triage",
                         json={"decision": "merge", "into": str(issued)})
    assert merged.status_code == 200, merged.text
    _, actions, notices, count = record_state(world, issued)
    assert (actions[:2], notices, count) == (["issue", "absorb"], ["issued"], 2)
    assert record_state(world, proposal)[0] == "merged"


def test_an_issued_proposal_takes_its_subjects_own_key(world: TriageWorld) -> None:
    _, [proposal] = world.petition(8)
    with world.runtime.sessions() as session:
        key = session.get(RiskWarning, proposal).subject_key  # type: ignore[union-attr]
    assert key.endswith(PROPOSAL_KEY_SUFFIX)
    office = world.client("office")
    assert 'id="triage-held-by"' not in office.get(f"/warnings/{proposal}").text
    issued = office.post(f"/api/warnings/{proposal}/triage", json={"decision": "issue"})
    assert issued.status_code == 200, issued.text
    with world.runtime.sessions() as session:
        warning = session.get(RiskWarning, proposal)
        assert warning is not None
        assert warning.subject_key == key.removesuffix(PROPOSAL_KEY_SUFFIX)
    [joined] = [w.id for w in world.runtime.intake.ingest([_audit(8)])[0].warnings]
    assert joined == proposal  # a finding now joins the warning the department handles
    _, [fresh] = world.petition(9)  # and a new petition opens a new proposal beside it
    assert fresh != proposal and record_state(world, fresh)[0] == "proposed"


def test_the_migration_moves_proposals_onto_their_own_keys(world: TriageWorld) -> None:
    """0010c: proposals stored on the shared key move to their own, and back on downgrade
    where no issued warning holds the shared key."""
    [issued] = [w.id for w in world.runtime.intake.ingest([_audit(10)])[0].warnings]
    _, [beside] = world.petition(10)
    _, [alone] = world.petition(11, person="王五")
    spec = importlib.util.spec_from_file_location("m0010c", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    keys = select(RiskWarning.id, RiskWarning.subject_key)
    with world.runtime.sessions() as session:
        now = dict(session.execute(keys).all())
    assert now[beside].endswith(PROPOSAL_KEY_SUFFIX) and now[alone].endswith(PROPOSAL_KEY_SUFFIX)
    plain = {w: key.removesuffix(PROPOSAL_KEY_SUFFIX) for w, key in now.items()}
    with transaction(world.runtime.sessions) as session:
        session.execute(text(migration.DOWNGRADE))
    with world.runtime.sessions() as session:
        down = dict(session.execute(keys).all())
    assert down == {issued: plain[issued], beside: now[beside], alone: plain[alone]}
    with transaction(world.runtime.sessions) as session:
        session.execute(text(migration.UPGRADE))
    with world.runtime.sessions() as session:
        assert dict(session.execute(keys).all()) == now


def test_the_migration_moves_the_hits_that_asked_for_triage(world: TriageWorld) -> None:
    world.runtime.intake.ingest([_audit(12), _petition(12), _claims("petition", 1)])
    hits = select(RuleHit.signal_id, Signal.channel_id, RuleHit.subject_key).join(
        Signal, Signal.id == RuleHit.signal_id).order_by(RuleHit.id)
    with world.runtime.sessions() as session:
        now = session.execute(hits).all()
        petition = session.scalars(select(Channel.id).where(Channel.code == "petition")).one()
    assert [key.endswith(PROPOSAL_KEY_SUFFIX) for _s, channel, key in now] == [
        channel == petition for _s, channel, _k in now] == [False, True, True]
    spec = importlib.util.spec_from_file_location("m0010c", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with transaction(world.runtime.sessions) as session:
        session.execute(text(migration.HITS_DOWN))
    with world.runtime.sessions() as session:
        assert not any(k.endswith(PROPOSAL_KEY_SUFFIX) for *_, k in session.execute(hits))
    with transaction(world.runtime.sessions) as session:
        migration.move_hits(session.connection())
    with world.runtime.sessions() as session:
        assert session.execute(hits).all() == now


def _claims(channel: str, n: int) -> SignalIn:
    """A report of false claims by 张三 (false-claims-repeat: 3 hits on a person in 30 days)."""
    return SignalIn(channel=channel, department="CWK", person="张三", title=f"虚报{n}",
                    text=f"财务科张三虚报冒领差旅费{n}", external_id=f"C-{channel}-{n}")


def test_petitions_count_toward_repeats_of_proposals_only(world: TriageWorld) -> None:
    """Two petitions and an audit finding about one person: the finding is not the third
    hit of a repeat rule for the department (it would raise a warning the department sees,
    graded on petitions it may not know of); a third petition is, for a proposal."""
    intake = world.runtime.intake
    assert [o.warnings for o in intake.ingest([_claims("petition", 1),
                                               _claims("petition", 2)])] == [[], []]
    assert intake.ingest([_claims("audit", 3)])[0].warnings == []
    [proposal] = intake.ingest([_claims("petition", 4)])[0].warnings
    assert record_state(world, proposal.id)[0] == "proposed"
    assert intake.ingest([_claims("audit", 5)])[0].warnings == []
    [issued] = intake.ingest([_claims("audit", 6)])[0].warnings  # the findings' own third
    assert record_state(world, issued.id)[0] == "issued" and issued.id != proposal.id


def test_a_signal_that_joined_during_triage_shows_as_joining_at_the_issue(
    world: TriageWorld,
) -> None:
    """A visible signal on a proposal: its department reads it as joining when the warning
    was issued, not days before (when the office was still judging); the office reads the
    true time."""
    outcome = world.runtime.intake.ingest([SignalIn(
        channel="audit", department="CGZX", title="审计发现", text="采购中心公车私用",
        external_id="A-T")])[0]
    earlier = datetime.now(UTC) - timedelta(days=3, hours=5)
    form = ManualWarning(risk_point="CG-001", department="CGZX", subject_kind="department",
                         propose=True)
    grading = world.runtime.rules.current().grading
    with transaction(world.runtime.sessions) as session:
        warning_id = raise_by_hand(session, signal_id=outcome.signal_id or 0,
                                   principal=world.principals["office"], form=form,
                                   grading=grading, now=earlier)
    with transaction(world.runtime.sessions) as session:
        issue(session, warning_id=warning_id, principal=world.principals["office"],
              grading=grading)
    with world.runtime.sessions() as session:
        issued_at = session.scalars(select(HandlingRecord.issued_at)
                                    .where(HandlingRecord.warning_id == warning_id)).one()
    shanghai = ZoneInfo("Asia/Shanghai")
    joined = earlier.astimezone(shanghai).strftime("%Y-%m-%d %H:%M")
    shown = issued_at.astimezone(shanghai).strftime("%Y-%m-%d %H:%M")
    for role in ("handler_a", "leader_a"):
        page = world.client(role).get(f"/warnings/{warning_id}").text
        assert "审计发现" in page and joined not in page and shown in page, role
    assert joined in world.client("office").get(f"/warnings/{warning_id}").text
