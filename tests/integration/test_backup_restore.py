"""Backup while signals arrive, restore into an empty database; damaged input refused whole."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.integration.scratch_db import EmptyDatabase, new_database
from tests.support import DATA, child_log, log_text
from warning.auth.users import add_user, issue_token
from warning.cli.main import cli
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import current_revision, head_revision, upgrade
from warning.db.models import RiskWarning, Signal
from warning.handling.audit import verify_chains
from warning.ops.archive import BackupError
from warning.ops.backup import make_backup
from warning.ops.restore import restore_backup
from warning.petitions.keys import generate_key
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.settings import load_settings

__all__ = ["new_database"]  # the fixture
KEY = generate_key()


def _signal(number: int) -> SignalIn:
    return SignalIn(channel="petition", external_id=f"BK-{number}", title="反映设备采购存在串标",
                    text="某供应商与他人围标串标。", department="CGZX")


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            signals = session.scalar(select(func.count()).select_from(Signal)) or 0
            warnings = session.scalar(select(func.count()).select_from(RiskWarning)) or 0
            assert verify_chains(session) == []
    finally:
        engine.dispose()
    return signals, warnings


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("QINGFENG_REPORTER_KEY_FILE", raising=False)
    monkeypatch.setenv("QINGFENG_REPORTER_KEY", KEY)
    return KEY


def _serve(runtime: Runtime, rules_dir: Path, token_holder: list[str]) -> tuple[object, str]:
    """Start `qingfeng serve` on the runtime's database; return the process and its base URL."""
    with runtime.sessions() as session, session.begin():
        user = add_user(session, name="feeder", role="office")
        token_holder.append(issue_token(session, user=user))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env |= {"QINGFENG_DATABASE_URL": runtime.settings.database_url,
            "QINGFENG_RULES_DIR": str(rules_dir), "QINGFENG_CHANNELS_DIR": str(DATA / "channels")}
    log = child_log()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "qingfeng"), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--no-scheduler"],
        env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log_text(log)
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return process, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.3)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_backup_taken_while_the_service_takes_signals_restores_whole(  # type: ignore[no-untyped-def]
    runtime: Runtime, rules_dir: Path, new_database: EmptyDatabase, tmp_path: Path, key: str
) -> None:
    source = runtime.settings.model_copy(update={"attachments_dir": tmp_path / "files"})
    (source.attachments_dir / "2026").mkdir(parents=True)
    (source.attachments_dir / "2026" / "报告.pdf").write_bytes(b"%PDF-1.4 report")
    runtime.intake.ingest([_signal(n) for n in range(20)])
    before = _counts(source.database_url)
    token: list[str] = []
    service, base = _serve(runtime, rules_dir, token)
    stop, sent = threading.Event(), [20]

    def keep_sending() -> None:  # clients of the running service, during the backup
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token[0]}"}) as api:
            while not stop.is_set():
                answer = api.post("/api/signals", json=_signal(sent[0]).model_dump(
                    mode="json", exclude_none=True))
                assert answer.status_code == 201, answer.text
                sent[0] += 1

    sender = threading.Thread(target=keep_sending)
    sender.start()
    try:
        while sent[0] < 25:  # the service is taking signals when the backup starts
            time.sleep(0.05)
        archive = tmp_path / "qingfeng.backup"
        manifest = make_backup(source, archive)
        during = sent[0]
        # the service kept taking signals around the backup (a small database's backup may
        # end before the next answer: "more arrived during it" failed on a quiet machine)
        waited = time.monotonic() + 30
        while sent[0] <= during and time.monotonic() < waited:
            time.sleep(0.05)
    finally:
        stop.set()
        sender.join()
        service.terminate()  # type: ignore[attr-defined]
        service.communicate(timeout=30)  # type: ignore[attr-defined]
    assert 25 <= during < sent[0]  # signals arrived before and after the backup began
    assert manifest.reporter_key_fingerprints and key not in archive.read_bytes().decode(
        "latin-1")
    target = load_settings(database_url=new_database(), attachments_dir=tmp_path / "restored")
    done = restore_backup(target, archive)
    assert done.attachments == 1
    assert (tmp_path / "restored" / "2026" / "报告.pdf").read_bytes() == b"%PDF-1.4 report"
    restored = _counts(target.database_url)
    assert before[0] + 5 <= restored[0] <= sent[0]
    assert restored[1] >= before[1]
    assert current_revision(make_engine(target.database_url)) == manifest.revision

    with pytest.raises(BackupError, match="不是空的"):  # a second restore: not empty
        restore_backup(target.model_copy(update={"attachments_dir": tmp_path / "x"}), archive)
    assert _counts(target.database_url) == restored


def test_damaged_or_foreign_backups_change_nothing(  # type: ignore[no-untyped-def]
    runtime: Runtime, new_database: EmptyDatabase, tmp_path: Path, key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime.intake.ingest([_signal(n) for n in range(5)])
    archive = tmp_path / "qingfeng.backup"
    make_backup(runtime.settings.model_copy(update={"attachments_dir": tmp_path / "none"}),
                archive)
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    url = new_database()
    target = load_settings(database_url=url, attachments_dir=tmp_path / "restored")
    with pytest.raises(BackupError, match="不完整或已损坏"):
        restore_backup(target, truncated)
    monkeypatch.setenv("QINGFENG_REPORTER_KEY", generate_key())
    with pytest.raises(BackupError, match="举报人密钥与备份不符"):
        restore_backup(target, archive)
    engine = make_engine(url)
    assert current_revision(engine) is None  # still empty: nothing half-done
    engine.dispose()
    assert not (tmp_path / "restored").exists()
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    monkeypatch.setenv("QINGFENG_ATTACHMENTS_DIR", str(tmp_path / "restored"))
    result = CliRunner().invoke(cli, ["restore", str(truncated)])
    assert result.exit_code == 1 and "不完整或已损坏" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["restore", "--force-key", str(archive)])
    assert result.exit_code == 0, result.output
    assert "已是最新版本" in result.output and "db upgrade" not in result.output
    assert _counts(url)[0] == 5


def test_an_older_backup_restores_and_then_upgrades(  # type: ignore[no-untyped-def]
    new_database: EmptyDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QINGFENG_REPORTER_KEY", raising=False)
    old = new_database()
    upgrade(old, "0005")
    archive = tmp_path / "old.backup"
    manifest = make_backup(load_settings(database_url=old, attachments_dir=tmp_path / "a"),
                           archive)
    assert manifest.revision == "0005"
    url = new_database()
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    monkeypatch.setenv("QINGFENG_ATTACHMENTS_DIR", str(tmp_path / "b"))
    result = CliRunner().invoke(cli, ["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "数据库版本 0005" in result.output
    assert "备份较旧, 请运行 qingfeng db upgrade" in result.output
    upgrade(url)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision(url)
    engine.dispose()
