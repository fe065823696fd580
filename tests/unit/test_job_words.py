"""Job lines in words, silence when idle, and one time zone in the text log."""

import logging
from datetime import UTC, datetime

import pytest

from warning.handling.overdue import ScanResult
from warning.notify.worker import DeliveryRun
from warning.ops.job_log import NAMES, delivered, indexed, named, purged, retried, scanned
from warning.ops.logs import JsonFormatter, ZonedFormatter
from warning.services.retry import RetryRun


def _record(created: datetime) -> logging.LogRecord:
    record = logging.LogRecord("qingfeng.jobs", logging.INFO, __file__, 1, "hello", (), None)
    record.created = created.timestamp()
    return record


def test_text_times_are_shanghai_with_offset_and_json_stays_utc() -> None:
    moment = _record(datetime(2026, 12, 1, 22, 30, 5, 250_000, tzinfo=UTC))
    text = ZonedFormatter("%(asctime)s %(message)s").format(moment)
    assert text == "2026-12-02T06:30:05.250+08:00 hello"
    assert ZonedFormatter("%(asctime)s", "No/Such_Zone").format(moment).endswith("+08:00")
    assert '"time": "2026-12-01T22:30:05.250+00:00"' in JsonFormatter().format(moment)


def test_a_job_that_did_nothing_says_nothing() -> None:
    assert retried(RetryRun()) == scanned(ScanResult()) == delivered(DeliveryRun()) == ""
    assert purged(0) == indexed(0) == ""
    assert "搜索索引新增 3 条信号" in indexed(3)
    assert scanned(ScanResult(reminded=0, escalated={1: 0, 2: 0})) == ""
    assert "升级第 1 级 2 件" in scanned(ScanResult(reminded=1, escalated={1: 2}))
    # words, not a Python dict, in the English part too
    assert scanned(ScanResult(reminded=7, escalated={})).endswith("(reminders 7, escalations 0)")
    assert "escalations level 1: 2, level 2: 1)" in scanned(
        ScanResult(reminded=0, escalated={1: 2, 2: 1}))


def test_a_named_job_logs_its_work_and_its_failure_in_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="qingfeng.jobs")
    named("purge-expired-tokens", lambda: 0, purged)()
    assert caplog.records == []
    named("purge-expired-tokens", lambda: 3, purged)()

    def broken() -> int:
        raise OSError("disk full")

    named("notify-deliver", broken, purged)()  # logged, not raised
    first, second = caplog.records
    name = NAMES["purge-expired-tokens"]
    assert first.getMessage().startswith(f"{name}: 清理过期登录与令牌 3 个")
    assert second.levelno == logging.ERROR and NAMES["notify-deliver"] in second.getMessage()
    assert second.exc_info is not None


def test_apscheduler_says_nothing_per_run_and_nothing_when_a_run_is_still_working(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from warning.ops.logs import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("text", logging.INFO)
    try:
        executor = logging.getLogger("apscheduler.executors.default")
        executor.info('Running job "%s"', "x")
        executor.info('Job "%s" executed successfully', "x")
        logging.getLogger("apscheduler.scheduler").warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "x", 1)
        executor.warning('Run time of job "%s" was missed by %s', "x", "0:01:00")
        err = capsys.readouterr().err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert err.count("\n") == 1 and "was missed by" in err and "+08:00 WARNING" in err


def test_db_upgrade_says_each_migration_not_each_alembic_plugin(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from warning.ops.logs import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("text", logging.INFO)
    try:
        logging.getLogger("alembic.runtime.plugins").info("setup plugin %s", "x")
        logging.getLogger("alembic.runtime.migration").info("Running upgrade  -> 0001, initial")
        err = capsys.readouterr().err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert "setup plugin" not in err and "Running upgrade" in err
