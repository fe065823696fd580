"""Every way rules are put in force on a running service waits for files being written.

A rule file written in pieces (an editor that truncates then writes, a slow copy) is read
by no reload until it has settled: POST /api/rules/reload, the watcher, a reload asked by
another instance (a `rule_reloads` row) and start-up each leave the previous rule book in
force or put the complete new one in force, never a prefix of the file.

The rules page's reload is tested in-process (its form needs a signed-in session).

Before: only the watcher waited for files to settle; the API reload, a reload asked by
another instance and start-up read the files at once and could put a prefix in force (a
rule cut before its text condition fires on every signal of its channel).
"""

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.live_server import serve_with
from tests.integration.page_client import build_site
from tests.integration.test_rules_page import _post
from tests.support import DATA, seeded_runtime
from warning.auth.users import add_user, issue_token
from warning.db.models import RuleReload
from warning.runtime import Runtime

ROOT = Path(__file__).parents[2]
FILE = "r17.yaml"
OLD = """rules:
  - id: r17-old
    name: 旧规则
    risk_point: CG-001
    when:
      channels: [petition]
      text: {any: [旧事项]}
"""
NEW = """rules:
  - id: r17-new
    name: 新规则
    risk_point: CG-001
    when:
      channels: [petition]
      text:
        any: [新事项]
  - id: r17-new-2
    name: 新规则二
    risk_point: CG-002
    when:
      text:
        any: [另一事项]
"""
PAUSE_S = 0.3  # between pieces: longer than the watcher's look, shorter than the quiet time


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _write_in_pieces(path: Path, text: str) -> None:
    """Truncate, then write one line at a time with pauses (each prefix may be valid YAML)."""
    with path.open("w", encoding="utf-8") as out:
        out.flush()
        for line in text.splitlines(keepends=True):
            time.sleep(PAUSE_S)
            out.write(line)
            out.flush()
            os.fsync(out.fileno())


@contextmanager
def _served(runtime: Runtime, check_s: float) -> Iterator[str]:
    env = os.environ | {
        "QINGFENG_DATABASE_URL": runtime.settings.database_url,
        "QINGFENG_RULES_DIR": str(runtime.settings.rules_dir),
        "QINGFENG_CHANNELS_DIR": str(DATA / "channels"),
        "QINGFENG_RULES_CHECK_SECONDS": str(check_s),
    }
    with serve_with(env, cwd=ROOT) as (_server, base):
        yield base


def _client(runtime: Runtime, base: str) -> httpx.Client:
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office",
                                                   password="pw-office-r17"))
    return httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})


def _in_force(client: httpx.Client) -> str | None:
    files = client.get("/api/rules/status").json()["files"]
    return next((v for k, v in files.items() if Path(k).name == FILE), None)


def _watch_while_writing(client: httpx.Client, path: Path,
                         during: Callable[[], None]) -> set[str | None]:
    """Write NEW in pieces over OLD while `during` runs; return every version seen in force
    until the file has been complete for a few seconds."""
    writer = threading.Thread(target=_write_in_pieces, args=(path, NEW))
    writer.start()
    seen = {_in_force(client)}
    time.sleep(PAUSE_S * 6.5)  # six lines written: the first rule without its text condition
    during()
    while writer.is_alive():
        seen.add(_in_force(client))
        time.sleep(0.05)
    end = time.monotonic() + 4
    while time.monotonic() < end:
        seen.add(_in_force(client))
        time.sleep(0.1)
    return seen


def test_an_api_reload_never_puts_a_file_being_written_in_force(
    runtime: Runtime, rules_dir: Path
) -> None:
    path = rules_dir / FILE
    path.write_text(OLD, encoding="utf-8")
    with _served(runtime, check_s=0) as base, _client(runtime, base) as client:
        assert _in_force(client) == _version(OLD)
        answers: list[httpx.Response] = []
        seen = _watch_while_writing(
            client, path, lambda: answers.append(client.post("/api/rules/reload")))
        [answer] = answers
        assert seen <= {_version(OLD), _version(NEW)}, seen
        assert answer.status_code == 200, answer.text  # it waited, then loaded the whole file
        assert _in_force(client) == _version(NEW)


def test_the_watcher_never_puts_a_file_being_written_in_force(
    runtime: Runtime, rules_dir: Path
) -> None:
    path = rules_dir / FILE
    path.write_text(OLD, encoding="utf-8")
    with _served(runtime, check_s=0.05) as base, _client(runtime, base) as client:
        assert _in_force(client) == _version(OLD)
        seen = _watch_while_writing(client, path, lambda: None)
        assert seen <= {_version(OLD), _version(NEW)}, seen
        assert _in_force(client) == _version(NEW)


def test_a_reload_asked_by_another_instance_never_puts_a_file_being_written_in_force(
    runtime: Runtime, rules_dir: Path
) -> None:
    path = rules_dir / FILE
    path.write_text(OLD, encoding="utf-8")

    def ask() -> None:  # what POST /api/rules/reload on another instance records
        with runtime.sessions() as session, session.begin():
            session.add(RuleReload(actor="user:office", instance="elsewhere:1:0"))

    with _served(runtime, check_s=0.05) as base, _client(runtime, base) as client:
        assert _in_force(client) == _version(OLD)
        time.sleep(0.5)  # the watcher has seen the requests made so far
        seen = _watch_while_writing(client, path, ask)
        assert seen <= {_version(OLD), _version(NEW)}, seen
        assert _in_force(client) == _version(NEW)


def test_start_up_never_puts_a_file_being_written_in_force(
    runtime: Runtime, rules_dir: Path
) -> None:
    path = rules_dir / FILE
    writer = threading.Thread(target=_write_in_pieces, args=(path, NEW))
    writer.start()  # the service starts while the file is being written
    try:
        with _served(runtime, check_s=0) as base, _client(runtime, base) as client:
            writer.join()
            assert _in_force(client) == _version(NEW)
    finally:
        writer.join()


@pytest.fixture
def settling_runtime(db_url: str, rules_dir: Path) -> Iterator[Runtime]:
    """A runtime whose loads wait for the files to settle, as a service's do."""
    (rules_dir / FILE).write_text(OLD, encoding="utf-8")
    yield from seeded_runtime(db_url, rules_dir, settle_s=1.0)


def test_the_rules_pages_reload_never_puts_a_file_being_written_in_force(
    settling_runtime: Runtime, rules_dir: Path, tmp_path: Path
) -> None:
    runtime = settling_runtime
    office = build_site(runtime, tmp_path / "site").client("office")

    def in_force() -> str | None:
        loaded = runtime.rules.loaded()
        assert loaded is not None
        return next((v for k, v in loaded.rulebook.versions.items()
                     if Path(k).name == FILE), None)

    assert in_force() == _version(OLD)
    writer = threading.Thread(target=_write_in_pieces, args=(rules_dir / FILE, NEW))
    writer.start()
    time.sleep(PAUSE_S * 6.5)  # six lines written: the first rule without its text condition
    answers: list[httpx.Response] = []
    posting = threading.Thread(target=lambda: answers.append(_post(office, "/rules/reload")))
    posting.start()
    seen = set()
    while posting.is_alive() or writer.is_alive():
        seen.add(in_force())
        time.sleep(0.02)
    [answer] = answers
    assert answer.status_code == 200, answer.text
    assert seen | {in_force()} <= {_version(OLD), _version(NEW)}, seen
    assert in_force() == _version(NEW)
