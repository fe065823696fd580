"""The log of a real `qingfeng serve` says what happened in words, and nothing when idle.

Jobs run every second or two here (FAST_JOBS); APScheduler alone would write two lines
per job run. The test leaves one signal unevaluated so the retry job has work to log.

The idle window holds five runs of each of those jobs. The search index (every 60 s, and
once at start, before the window) and the hourly and daily jobs do not come round in any
window a test can afford; their wrapper is the same `named` as the fast jobs'.
"""

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.served import free_port, kill_group, start, wait_ready
from warning.db.models import Channel, Department, Signal
from warning.ops.job_log import NAMES
from warning.runtime import Runtime

IDLE_S = 10.0  # five runs of the slowest fast job (the overdue scan, every 2 s)
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00 [A-Z]+ ")


def _leave_one_signal_unevaluated(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        channel = session.scalars(select(Channel.id).where(Channel.code == "audit")).one()
        department = session.scalars(
            select(Department.id).where(Department.code == "CGZX")).one()
        session.add(Signal(channel_id=channel, external_id="LOG-1", title="审计发现串标",
                           text="评标中发现串标迹象。", department_id=department,
                           status="received"))


class _Lines:
    """The server's stderr, line by line, with when each arrived."""

    def __init__(self, stream: object) -> None:
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))

    def wait_for(self, text: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in list(self.lines):
                if text in line:
                    return at
            time.sleep(0.2)
        raise AssertionError(f"no log line with {text!r} in {timeout} s:\n" + self.text())

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


@pytest.mark.slow
def test_an_idle_service_logs_nothing_and_a_job_that_worked_says_so_by_name(
    runtime: Runtime, rules_dir: Path,
) -> None:
    _leave_one_signal_unevaluated(runtime)
    port = free_port()
    server = start(runtime.settings.database_url, rules_dir, port,
                   env={"QINGFENG_LOG_FORMAT": "text", "QINGFENG_TIMEZONE": "Asia/Shanghai"},
                   read_stderr=True)  # _Lines reads it to the end
    try:
        lines = _Lines(server.stderr)
        wait_ready(server, port)
        worked = lines.wait_for(NAMES["retry-failed-signals"], timeout=60)
        settled = worked + 5  # the notice the warning raised is delivered in the next seconds
        time.sleep(max(0.0, settled + IDLE_S - time.monotonic()))
        assert server.poll() is None, lines.text()
    finally:
        kill_group(server)
    text = lines.text()
    retry = [line for _, line in lines.lines if NAMES["retry-failed-signals"] in line]
    assert len(retry) == 1 and "重新研判 1 条信号，失败 0 条" in retry[0], text
    assert "Running job" not in text and "executed successfully" not in text, text
    idle = [line for at, line in lines.lines if at > settled]
    assert idle == [], "an idle service wrote:\n" + "\n".join(idle)
    stamped = [line for _, line in lines.lines if line[:1].isdigit()]
    assert stamped and all(STAMP.match(line) for line in stamped), text
