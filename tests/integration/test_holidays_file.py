"""QINGFENG_HOLIDAYS_FILE: an office's own holiday calendar counts its deadlines.

The calendar was the bundled file only: when the State Council's notice for a new year came
out, deadlines kept counting by the old file until a new release. A file named by the
setting is read when the service starts; a bad one stops it with the file and the field.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support import DATA, seed_org
from warning.db.models import HandlingRecord
from warning.domain.calendar import SHANGHAI, DayKind, due_at
from warning.handling.holidays import default_calendar, use_calendar_file
from warning.runtime import build_runtime
from warning.services.signal_input import SignalIn
from warning.settings import load_settings


@pytest.fixture
def calendar_reset() -> Iterator[None]:
    yield
    use_calendar_file(None)  # the bundled file again for the tests after this one


def _all_off(path: Path, today: datetime) -> Path:
    """Write a calendar where the next ten days are holidays."""
    first = today.astimezone(SHANGHAI).date()
    days = [first + timedelta(days=n) for n in range(1, 11)]
    years = sorted({d.year for d in days} | {first.year})
    lines = ["years:"]
    for year in years:
        mine = [d.isoformat() for d in days if d.year == year]
        lines += [f"  {year}:", f"    holidays: [{', '.join(mine)}]", "    workdays: []"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_deadlines_count_by_the_file_the_setting_names(
    db_url: str, rules_dir: Path, tmp_path: Path, calendar_reset: None
) -> None:
    now = datetime.now(UTC)
    settings = load_settings(database_url=db_url, rules_dir=rules_dir,
                             channels_dir=DATA / "channels", intake_batch_wait_ms=1.0,
                             holidays_file=_all_off(tmp_path / "holidays.yaml", now))
    runtime = build_runtime(settings, load_rules=False)
    try:
        seed_org(runtime.sessions)
        runtime.sync_channels()
        assert runtime.rules.load() == []
        outcome = runtime.intake.ingest([SignalIn(
            channel="audit", external_id="HOL-1", title="审计发现拆分合同",
            text="拆分合同化整为零规避招标", department="CGZX", amount=12000)])[0]
        assert outcome.warnings
        with runtime.sessions() as session:
            record = session.scalars(select(HandlingRecord).where(
                HandlingRecord.warning_id == outcome.warnings[0].id)).one()
        # ten days off from tomorrow: a working-day receipt deadline lands after them
        assert record.receive_due_at is not None
        assert record.receive_due_at.astimezone(SHANGHAI).date() > (
            now.astimezone(SHANGHAI) + timedelta(days=10)).date()
        assert record.receive_due_at == due_at(record.issued_at, 2, DayKind.WORKING,
                                               default_calendar()) or \
            record.receive_due_at == due_at(record.issued_at, 3, DayKind.WORKING,
                                            default_calendar())
    finally:
        runtime.close()


@pytest.mark.parametrize(("content", "named"), [
    ("years:\n  2026:\n    holidays: [2026-02-30]\n", ".yaml:3: years.2026.holidays"),
    ("years:\n  2026:\n    holidays: []\n    provisional: maybe\n", "years.2026.provisional"),
    ("nothing: here\n", "years"),
])
def test_a_bad_file_stops_a_command_naming_the_file_and_the_field(
    tmp_path: Path, content: str, named: str
) -> None:
    bad = tmp_path / "节假日.yaml"
    bad.write_text(content, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env |= {"QINGFENG_HOLIDAYS_FILE": str(bad),
            "QINGFENG_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    qingfeng = str(Path(sys.executable).parent / "qingfeng")
    subprocess.run([qingfeng, "db", "upgrade"], env=env, capture_output=True, check=True)
    for command in (["config"], ["signal", "import", str(DATA / "rules" / "test-rules.yaml")]):
        done = subprocess.run([qingfeng, *command], env=env, capture_output=True, text=True)
        output = done.stdout + done.stderr
        assert done.returncode == 1, (command, output)
        assert "节假日日历文件有错误" in output and str(bad) in output and named in output
        assert "Traceback" not in output
