"""Each signal records the rule book that evaluated it, and shows it.

Before: in a half-done deploy (two instances on one database holding different rule
books) a signal whose evaluation failed was evaluated by the retry job with the book of
whichever instance ran it, and nothing recorded which: the same signal text was graded
differently by the two books with no trace of why.
"""

import os
import shutil
import signal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.page_client import build_site
from warning.auth.users import add_user, issue_token
from warning.db.models import Signal
from warning.domain.enums import SignalStatus
from warning.rules.engine import ABORT_EVERY_ENV
from warning.rules.loader import rule_files
from warning.runtime import Runtime, evaluation_policy
from warning.services.intake import Intake
from warning.services.record_hooks import default_hooks
from warning.services.rule_service import RuleService
from warning.services.signal_input import SignalIn
from warning.web.app import create_app


def _item(external_id: str) -> SignalIn:
    return SignalIn(channel="audit", external_id=external_id, title="审计发现",
                    text="拆分采购规避招标", department="CGZX", amount=50000)


def _stored(runtime: Runtime, external_id: str) -> Signal:
    with runtime.sessions() as session:
        return session.scalars(select(Signal).where(Signal.external_id == external_id)).one()


def test_a_retry_on_another_instance_records_that_instances_rule_book(
    runtime: Runtime, rules_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = runtime.rules
    [evaluated] = runtime.intake.ingest([_item("RB-1")])
    assert _stored(runtime, "RB-1").rule_book == here.book_digest() != ""

    engine = here.current().evaluator.engine
    monkeypatch.setenv(ABORT_EVERY_ENV, "1")  # every engine child started from now aborts
    if engine.pid is not None:
        os.kill(engine.pid, signal.SIGKILL)
    runtime.intake.ingest([_item("RB-2"), _item("RB-3")])  # a batch: retried at once
    failed = _stored(runtime, "RB-2")
    assert failed.status == SignalStatus.FAILED and failed.rule_book == ""
    monkeypatch.delenv(ABORT_EVERY_ENV)

    other_dir = tmp_path / "release-2"  # the other instance of a half-done deploy
    shutil.copytree(rules_dir, other_dir)
    [first, *_] = rule_files(other_dir)
    first.write_text(first.read_text(encoding="utf-8") + "# release 2\n", encoding="utf-8")
    there = RuleService(other_dir, runtime.sessions, instance="vm:2:other")
    assert there.load() == [] and there.book_digest() != here.book_digest()
    other = Intake(sessions=runtime.sessions, rules=there.current,
                   hooks=default_hooks(runtime.settings.triage_days),
                   policy=evaluation_policy(runtime.settings))
    assert other.retry_failed() == 2
    retried = _stored(runtime, "RB-2")
    assert retried.status == SignalStatus.EVALUATED
    assert retried.rule_book == there.book_digest()
    assert _stored(runtime, "RB-1").rule_book == here.book_digest()  # never rewritten

    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="auditor", role="office",
                                                   password="pw-auditor-12345678"))
    api = TestClient(create_app(runtime), headers={"Authorization": f"Bearer {token}"})
    shown = api.get(f"/api/signals/{retried.id}").json()
    assert shown["rule_book"] == there.book_digest()
    assert api.get(f"/api/signals/{evaluated.signal_id}").json()["rule_book"] == \
        here.book_digest()

    site = build_site(runtime, tmp_path / "site")
    page = site.client("office").get(f"/signals/{retried.id}").text
    assert "评估所用规则集" in page and str(there.book_digest()) in page
