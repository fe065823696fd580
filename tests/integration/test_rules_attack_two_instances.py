"""Two served instances on one database swap rule books while signals arrive from every side.

Instance A reloads through POST /api/rules/reload, instance B through its watcher; signals
are posted to both and imported by `qingfeng signal import` at the same time, and the
engine children of both are killed (SIGKILL) along the way. Every signal ends evaluated,
and its rule hits are exactly those of the rule book it records (`signals.rule_book`): no
batch is evaluated by a mix of two books or recorded under another.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.integration.live_server import serve_with
from tests.integration.test_engine_stress import SET_A, SET_B, SIGNALS, _body, _engine_children
from tests.support import DATA
from warning.auth.users import add_user, issue_token
from warning.db.models import RuleHit, Signal
from warning.domain.enums import SignalStatus
from warning.runtime import Runtime
from warning.services.rule_service import RuleService

ROOT = Path(__file__).parents[2]
SECONDS = float(os.environ.get("QINGFENG_ATTACK_SECONDS", "20"))
EXPECTED = {SET_A: [s[1] for s in SIGNALS], SET_B: [s[2] for s in SIGNALS]}


def _env(runtime: Runtime, rules_dir: Path, check_s: float) -> dict[str, str]:
    return os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"),
        "QINGFENG_RULES_CHECK_SECONDS": str(check_s),
        "QINGFENG_RULES_SETTLE_SECONDS": "0.2",
    }


@contextmanager
def _served(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Serve in `env`; the instance must still be running when the test is done with it."""
    with serve_with(env, cwd=ROOT) as (server, base):
        yield server, base
        assert server.poll() is None, "qingfeng serve exited during the test"


def _digest(rules_dir: Path, text: str, into: Path) -> str:
    shutil.copytree(rules_dir, into)
    (into / "stress.yaml").write_text(text, "utf-8")
    service = RuleService(into, settle_s=0)
    assert service.load() == []
    return str(service.book_digest())


def _loop(stop: threading.Event, errors: list[str], every_s: float,
          step: Callable[[int], None]) -> threading.Thread:
    def run() -> None:
        n = 0
        while not stop.is_set():
            try:
                step(n)
            except Exception as error:  # reported by the test, not lost in a thread
                errors.append(f"{type(error).__name__}: {error}")
            n += 1
            stop.wait(every_s)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_two_instances_swapping_books_under_posts_imports_and_kills(
    runtime: Runtime, rules_dir: Path, tmp_path: Path
) -> None:
    dir_a, dir_b = rules_dir, tmp_path / "rules-b"
    (dir_a / "stress.yaml").write_text(SET_A, "utf-8")
    shutil.copytree(dir_a, dir_b)
    books = {_digest(dir_a, SET_A, tmp_path / "da"): EXPECTED[SET_A],
             _digest(dir_a, SET_B, tmp_path / "db"): EXPECTED[SET_B],
             str(runtime.rules.book_digest()): [set(), set()]}
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office",
                                                   password="pw-office-attack"))
    posted: dict[str, int] = {}  # external id: which of SIGNALS
    errors: list[str] = []
    stop = threading.Event()
    with ExitStack() as stack:
        server_a, base_a = stack.enter_context(_served(_env(runtime, dir_a, 0)))
        server_b, base_b = stack.enter_context(_served(_env(runtime, dir_b, 0.2)))
        headers = {"Authorization": f"Bearer {token}"}
        client_a = stack.enter_context(httpx.Client(base_url=base_a, headers=headers, timeout=60))
        client_b = stack.enter_context(httpx.Client(base_url=base_b, headers=headers, timeout=60))

        def post(client: httpx.Client, tag: str) -> Callable[[int], None]:
            def step(n: int) -> None:
                k = n % len(SIGNALS)
                body = _body(f"{tag}{n}", k)
                answer = client.post("/api/signals", json=body)
                assert answer.status_code == 201, answer.text
                posted[str(body["external_id"])] = k
            return step

        def swap_a(n: int) -> None:
            (dir_a / "stress.yaml").write_text(SET_B if n % 2 else SET_A, "utf-8")
            answer = client_a.post("/api/rules/reload")
            assert answer.status_code == 200, answer.text

        def swap_b(n: int) -> None:  # B's watcher picks it up
            (dir_b / "stress.yaml").write_text(SET_A if n % 2 else SET_B, "utf-8")

        def kill(_n: int) -> None:
            for server in (server_a, server_b):
                for pid in _engine_children(server.pid):
                    os.kill(pid, signal.SIGKILL)

        def import_(n: int) -> None:
            path = tmp_path / f"import-{n}.jsonl"
            bodies = [_body(f"I{n}-", k) for k in range(len(SIGNALS))]
            path.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in bodies),
                            "utf-8")
            done = subprocess.run(
                [sys.executable, "-m", "warning.cli.main", "signal", "import", str(path)],
                env=_env(runtime, dir_a, 0), cwd=ROOT, capture_output=True, text=True,
                timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            posted.update({str(b["external_id"]): k for k, b in enumerate(bodies)})

        threads = [_loop(stop, errors, 0.01, post(client_a, "A")),
                   _loop(stop, errors, 0.01, post(client_b, "B")),
                   _loop(stop, errors, 0.7, swap_a), _loop(stop, errors, 0.9, swap_b),
                   _loop(stop, errors, 1.5, kill), _loop(stop, errors, 0.0, import_)]
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
    assert errors == [], errors[:10]
    runtime.intake.retry_failed()  # what failed twice in a killed child: the retry job
    with runtime.sessions() as session:
        stored = {s.external_id: s for s in session.scalars(select(Signal))}
        hits: dict[int, set[str]] = {}
        for signal_id, rule_id in session.execute(select(RuleHit.signal_id, RuleHit.rule_id)):
            hits.setdefault(signal_id, set()).add(rule_id)
    assert len(posted) > 100
    wrong = []
    for external_id, k in posted.items():
        s = stored[external_id]
        expected = books.get(s.rule_book)
        if s.status != SignalStatus.EVALUATED or expected is None \
                or hits.get(s.id, set()) != expected[k]:
            wrong.append((external_id, s.status, s.rule_book, sorted(hits.get(s.id, ()))))
    assert wrong == [], (len(wrong), wrong[:10])
    used = {stored[e].rule_book for e in posted}
    assert len(used) >= 2  # both books evaluated signals
