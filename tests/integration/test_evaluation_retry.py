"""Evaluation always finishes: claimed signals are left alone, failures retry alone, then die."""

import os
import socket
import subprocess
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from warning.cli.main import cli
from warning.db.models import Channel, RiskPoint, RuleHit, Signal
from warning.runtime import Runtime
from warning.services.retry import retry_due
from warning.services.signal_input import SignalIn


def _store(rt: Runtime, texts: list[str], *, owner: str = "", expires: datetime | None = None,
           prefix: str = "R") -> list[int]:
    """Store signals as a process that died before evaluating them would leave them."""
    with rt.sessions() as session, session.begin():
        channel = session.scalar(select(Channel.id).where(Channel.code == "petition"))
        rows = [Signal(channel_id=channel, external_id=f"{prefix}-{n}", title=f"来信{n}",
                       text=text, status="received", lease_owner=owner,
                       lease_expires_at=expires) for n, text in enumerate(texts)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def _statuses(rt: Runtime) -> dict[int, tuple[str, int, str]]:
    with rt.sessions() as session:
        rows = session.execute(select(Signal.id, Signal.status, Signal.attempts,
                                      Signal.last_error)).all()
    return {i: (s, a, e) for i, s, a, e in rows}


def _rename_point(rt: Runtime, old: str, new: str) -> None:
    with rt.sessions() as session, session.begin():
        point = session.scalar(select(RiskPoint).where(RiskPoint.code == old))
        assert point is not None
        point.code = new


def test_a_signal_another_process_holds_is_left_until_its_lease_expires(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    held = _store(runtime, ["串标"] * 3, owner="other-host:1:x", expires=now + timedelta(minutes=5),
                  prefix="H")
    orphaned = _store(runtime, ["围标"] * 3, owner="dead-host:2:y",
                      expires=now - timedelta(seconds=1), prefix="O")
    run = retry_due(runtime.intake)
    assert run.tried == 3
    states = _statuses(runtime)
    assert [states[i][0] for i in held] == ["received"] * 3
    assert [states[i][0] for i in orphaned] == ["evaluated"] * 3  # an interrupted run's rows
    runtime.intake.clock = lambda: now + timedelta(minutes=6)
    assert retry_due(runtime.intake).tried == 3
    assert {s for s, _, _ in _statuses(runtime).values()} == {"evaluated"}


def test_a_lease_of_a_dead_process_on_this_host_is_taken_at_once(runtime: Runtime) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    dead_pid = child.pid  # reaped: no process runs with it now
    host = socket.gethostname()
    until = datetime.now(UTC) + timedelta(minutes=5)
    gone = _store(runtime, ["串标"] * 2, owner=f"{host}:{dead_pid}:abc", expires=until,
                  prefix="G")
    alive = _store(runtime, ["串标"] * 2, owner=f"{host}:{os.getppid()}:abc", expires=until,
                   prefix="L")
    assert retry_due(runtime.intake).tried == 2
    states = _statuses(runtime)
    assert [states[i][0] for i in gone] == ["evaluated"] * 2
    assert [states[i][0] for i in alive] == ["received"] * 2


def test_evaluating_an_evaluated_signal_again_never_undoes_it(runtime: Runtime) -> None:
    [outcome] = runtime.intake.ingest([SignalIn.model_validate(
        {"channel": "petition", "external_id": "E-1", "title": "t", "text": "串标",
         "department": "CGZX"})])
    assert outcome.status == "evaluated" and outcome.warnings
    runtime.intake.evaluate([outcome.signal_id])  # not claimed: it is evaluated
    assert runtime.intake.evaluate_claimed([outcome.signal_id]) is False  # forced: rule hit
    assert _statuses(runtime)[outcome.signal_id][:2] == ("evaluated", 0)


def test_a_failing_signal_fails_alone_and_dies_while_the_rest_are_evaluated(
    runtime: Runtime,
) -> None:
    _rename_point(runtime, "CG-001", "CG-001-OLD")  # every 串标 signal now fails to evaluate
    poison = _store(runtime, ["串标"], prefix="P")
    good = _store(runtime, ["公车私用"] * 12 + ["虚报"] * 12, prefix="G")
    runtime.intake.policy = replace(runtime.intake.policy, batch_size=5, max_attempts=3,
                                    backoff_base_seconds=30)
    start = datetime.now(UTC)
    for minute in range(6):  # the job every minute; the backoff doubles from 30 s
        runtime.intake.clock = lambda m=minute: start + timedelta(minutes=m)
        retry_due(runtime.intake)
        if minute == 0:  # the first run already got past the failing signal
            assert all(_statuses(runtime)[i][0] == "evaluated" for i in good)
    states = _statuses(runtime)
    status, attempts, error = states[poison[0]]
    assert (status, attempts) == ("dead", 3) and "CG-001" in error
    assert all(states[i][0::2] == ("evaluated", "") for i in good)
    shared_its_batch = [i for i in good if states[i][1] == 1]  # then each retried alone
    assert len(shared_its_batch) == 4 and all(states[i][1] == 0 for i in good[4:])
    assert retry_due(runtime.intake).tried == 0  # dead is never tried again


def test_requeue_gives_a_dead_signal_new_attempts_once_its_cause_is_fixed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rename_point(runtime, "CG-001", "CG-001-OLD")
    [dead] = _store(runtime, ["串标"], prefix="Q")
    runtime.intake.policy = replace(runtime.intake.policy, max_attempts=1)
    retry_due(runtime.intake)
    retry_due(runtime.intake)
    assert _statuses(runtime)[dead][:2] == ("dead", 1)
    _rename_point(runtime, "CG-001-OLD", "CG-001")
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    result = CliRunner().invoke(cli, ["signal", "requeue"])
    assert result.exit_code == 0 and "已重新排队 1 条信号" in result.output, result.output
    assert retry_due(runtime.intake).tried == 1
    assert _statuses(runtime)[dead] == ("evaluated", 0, "")


def test_dead_signals_show_on_healthz_and_in_the_list_filter(runtime: Runtime) -> None:
    from fastapi.testclient import TestClient

    from warning.auth.users import add_user
    from warning.web.app import create_app
    from warning.web.pages.csrf import COOKIE

    _rename_point(runtime, "CG-001", "CG-001-OLD")
    [dead] = _store(runtime, ["串标"], prefix="D")
    _store(runtime, ["公车私用"], prefix="A")
    runtime.intake.policy = replace(runtime.intake.policy, max_attempts=1)
    retry_due(runtime.intake)  # the first try is the batch's, blamed on no one
    retry_due(runtime.intake)
    assert _statuses(runtime)[dead][0] == "dead"
    with runtime.sessions() as session, session.begin():
        add_user(session, name="office", role="office", password="pw-office-123")
    with TestClient(create_app(runtime), follow_redirects=False) as client:
        assert client.get("/healthz").json()["dead_signals"] == 1
        client.get("/login")
        client.post("/login", data={"name": "office", "password": "pw-office-123",
                                    "next": "/", "csrf_token": client.cookies[COOKIE]})
        page = client.get("/signals", params={"status": "dead"}).text
        assert f"/signals/{dead}" in page and "评估终止" in page and "来信0" in page
        assert page.count('sig-dead') == 1 and "sig-evaluated" not in page
        detail = client.get(f"/signals/{dead}").text
        assert "规则评估已终止" in detail and "CG-001" in detail


def test_the_retry_job_running_during_an_import_leaves_every_signal_evaluated(
    runtime: Runtime,
) -> None:
    items = [SignalIn.model_validate({"channel": "petition", "external_id": f"I-{n}",
                                      "title": f"来信{n}", "text": "反映串标" if n % 2 else "建议",
                                      "department": "CGZX", "person": f"人员{n}"})
             for n in range(600)]
    done = threading.Event()
    tried: list[int] = []

    def retry_loop() -> None:
        while not done.is_set():
            tried.append(retry_due(runtime.intake, budget_s=5).tried)

    retrier = threading.Thread(target=retry_loop)
    retrier.start()
    try:
        for start in range(0, len(items), 50):  # as `qingfeng signal import --batch 50` does
            outcomes = runtime.intake.ingest(items[start:start + 50])
            assert {o.status for o in outcomes} == {"evaluated"}
    finally:
        done.set()
        retrier.join()
    states = _statuses(runtime)
    assert len(states) == 600 and {s for s, _, _ in states.values()} == {"evaluated"}
    assert {a for _, a, _ in states.values()} == {0}  # never failed, never taken in flight
    assert sum(tried) == 0
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RuleHit)) == 300
