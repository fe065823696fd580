"""A rule's hit count tells no one but the office of a proposal.

The rules page counted every hit on a signal the reader may see, the hits that raised or
joined a proposal (待研判) included. A reviewer reads every petition: a rule's count going
up with no issued warning on the petition said that a proposal was waiting (or had been
dismissed). A department whose own audit finding hit a rule asking for 研判 read the same.
Now those hits count for the others once the proposal is issued, as the warning does.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.triage_world import TriageWorld, build_triage_world
from warning.services.signal_input import SignalIn
from warning.triage.decisions import issue

RULE = "bid-collusion"


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    # The rule asks for 研判 on every channel, so an audit finding raises a proposal too.
    rules = rules_dir / "test-rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("    name: 围标串标\n", "    name: 围标串标\n    triage: true\n",
                                  1), encoding="utf-8")
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def _hits(world: TriageWorld, role: str) -> int:
    page = world.client(role).get("/rules").text
    found = re.search(rf'data-rule="{RULE}">(\d+)<', page)
    assert found, page
    return int(found.group(1))


def test_hits_on_a_proposal_count_for_the_office_alone_until_it_is_issued(
    world: TriageWorld,
) -> None:
    _, petition = world.petition(1)
    audit = world.runtime.intake.ingest([SignalIn(
        channel="audit", department="CGZX", title="审计发现串标", text="评标中发现串标迹象。",
        external_id="AUD-1", person="另一人")])[0]
    assert petition and audit.warnings, (petition, audit)
    assert _hits(world, "office") == 2
    for role in ("reviewer", "handler_a", "leader_a", "handler_b"):
        assert _hits(world, role) == 0, role
    with world.runtime.sessions() as session, session.begin():
        for warning_id in (petition[0], audit.warnings[0].id):
            issue(session, warning_id=warning_id, principal=world.principals["office"],
                  grading=world.runtime.rules.current().grading)
    assert _hits(world, "reviewer") == 2
    assert _hits(world, "handler_a") == 1  # its audit finding, never the petition
    assert _hits(world, "handler_b") == 0
