"""Swap between two valid rule sets again and again, evaluating signals between reloads.

In a running `qingfeng serve` (POST /api/rules/reload) and through `qingfeng signal import`
(a process per round, exit code 0 each time), with the engine child killed (SIGKILL) and
aborted inside a batch (fault file) along the way: no crash, every signal stored is
evaluated, each with exactly the rules that were in force when it came in.
QINGFENG_STRESS_ROUNDS / QINGFENG_STRESS_CLI_ROUNDS set the rounds (200 / 10: a CLI round
starts a process, about 1-3 s; set 200 for the full run).
"""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.integration.live_server import serve_with
from tests.support import DATA
from warning.auth.users import add_user, issue_token
from warning.db.models import RuleHit, Signal
from warning.rules.engine import FAULT_FILE_ENV
from warning.runtime import Runtime

ROUNDS = int(os.environ.get("QINGFENG_STRESS_ROUNDS", "200"))
CLI_ROUNDS = int(os.environ.get("QINGFENG_STRESS_CLI_ROUNDS", "10"))
ROOT = Path(__file__).parents[2]

SET_A = """rules:
  - {id: st-a-channel, name: 稽查甲, risk_point: CG-001, when: {channels: [petition],
     text: {any: [稽查]}}}
  - {id: st-a-amount, name: 稽查乙, risk_point: CG-002, when: {text: {any: [稽查]},
     amount: {gte: 1000}}}
"""
SET_B = """rules:
  - {id: st-b-dept, name: 稽查丙, risk_point: CG-001, when: {departments: [CGZX],
     text: {any: [稽查]}}}
  - {id: st-b-small, name: 稽查丁, risk_point: BG-001, when: {text: {any: [稽查]},
     amount: {lt: 1000}}}
"""
# (amount, rules expected under A, under B) for the two signals of each round
SIGNALS = [(5000, {"st-a-channel", "st-a-amount"}, {"st-b-dept"}),
           (10, {"st-a-channel"}, {"st-b-dept", "st-b-small"})]


def _body(tag: str, k: int) -> dict[str, object]:
    return {"channel": "petition", "external_id": f"{tag}-{k}", "title": f"稽查来信{tag}",
            "text": "反映有关稽查事项", "department": "CGZX", "amount": SIGNALS[k][0]}


def _expected(round_: int, k: int) -> set[str]:
    return SIGNALS[k][1] if round_ % 2 == 0 else SIGNALS[k][2]


def _swap(rules_dir: Path, round_: int) -> None:
    (rules_dir / "stress.yaml").write_text(SET_A if round_ % 2 == 0 else SET_B, "utf-8")


def _env(runtime: Runtime, fault: Path) -> dict[str, str]:
    return os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"),
        "QINGFENG_RULES_CHECK_SECONDS": "0",  # reloads only when asked
        "QINGFENG_RULES_SETTLE_SECONDS": "0.05",  # each round rewrites the file at once
        FAULT_FILE_ENV: str(fault),
    }


def _engine_children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"warning.rules.engine" in cmdline:
                found.append(int(child))
    return found


def _assert_evaluated_with_the_right_rules(runtime: Runtime, tags: dict[str, int]) -> None:
    with runtime.sessions() as session:
        signals = {s.external_id: (s.id, s.status) for s in session.scalars(select(Signal))}
        hits: dict[int, set[str]] = {}
        for signal_id, rule_id in session.execute(select(RuleHit.signal_id, RuleHit.rule_id)):
            hits.setdefault(signal_id, set()).add(rule_id)
    wrong = []
    for tag, round_ in tags.items():
        for k in range(len(SIGNALS)):
            signal_id, status = signals[f"{tag}-{k}"]
            if status != "evaluated" or hits.get(signal_id, set()) != _expected(round_, k):
                wrong.append((tag, k, status, sorted(hits.get(signal_id, ()))))
    assert wrong == [], wrong[:10]


@pytest.fixture
def served(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run `qingfeng serve --no-scheduler` (one process) on the test database."""
    with serve_with(_env(runtime, tmp_path / "fault"), cwd=ROOT) as served:
        yield served


@pytest.mark.slow
def test_a_running_service_survives_reload_swaps_and_engine_crashes(
    runtime: Runtime, served: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    server, base = served
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office",
                                                   password="pw-office-stress"))
    rules_dir = runtime.settings.rules_dir
    killed = faulted = 0
    tags: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        for round_ in range(ROUNDS):
            _swap(rules_dir, round_)
            reloaded = client.post("/api/rules/reload")
            assert reloaded.status_code == 200, (round_, reloaded.text)
            if round_ % 50 == 25:  # kill the engine between the reload and the signals
                for pid in _engine_children(server.pid):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
            if round_ % 50 == 40:  # make the engine abort inside the next batch
                (tmp_path / "fault").touch()
                faulted += 1
            tag = f"S{round_}"
            for k in range(len(SIGNALS)):
                answer = client.post("/api/signals", json=_body(tag, k))
                assert answer.status_code == 201, (round_, answer.text)
            tags[tag] = round_
            assert not (tmp_path / "fault").exists()  # the fault did fire
            assert server.poll() is None, f"service died in round {round_}"
    assert killed >= ROUNDS // 50 and faulted >= ROUNDS // 50
    _assert_evaluated_with_the_right_rules(runtime, tags)


@pytest.mark.slow
def test_signal_import_exits_0_across_rule_swaps_and_engine_crashes(
    runtime: Runtime, tmp_path: Path
) -> None:
    env = _env(runtime, tmp_path / "fault")
    rules_dir = runtime.settings.rules_dir
    tags: dict[str, int] = {}
    for round_ in range(CLI_ROUNDS):
        _swap(rules_dir, round_)
        tag = f"C{round_}"
        path = tmp_path / f"{tag}.jsonl"
        path.write_text("\n".join(json.dumps(_body(tag, k), ensure_ascii=False)
                                  for k in range(len(SIGNALS))), "utf-8")
        if round_ % 10 == 5:
            (tmp_path / "fault").touch()  # this import's engine aborts inside its batch
        done = subprocess.run(
            [sys.executable, "-m", "warning.cli.main", "signal", "import", str(path)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, (round_, done.returncode, done.stderr[-2000:])
        assert "新增 2 条信号" in done.stdout, done.stdout
        assert not (tmp_path / "fault").exists()
        tags[tag] = round_
    _assert_evaluated_with_the_right_rules(runtime, tags)
