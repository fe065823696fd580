"""A database error names no stored value: a petition's words never reach the log.

Handlers log unexpected errors with their traceback (the 500 handler, the intake writer, the
evaluation retry). SQLAlchemy writes the statement's parameters into the error's message
unless the engine hides them, so a failed insert of a petition would log its title, text
and the person it names.
"""

import json
import logging

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import RateLimit, Signal
from warning.db.models.base import utcnow
from warning.ops.logs import PLAIN, JsonFormatter, ZonedFormatter

MARKER = "保密举报标题L6060"
log = logging.getLogger("tests.db_errors")


def test_a_failed_insert_logs_no_petition_words(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture,
) -> None:
    with session_factory() as session:
        # No channel 999999: the foreign key refuses the row on both databases.
        session.add(Signal(channel_id=999_999, external_id="L6060", title=MARKER,
                           text=f"{MARKER} 正文", person=f"{MARKER} 人员", post="",
                           received_at=utcnow(), status="received", attempts=0,
                           last_error="", extra={}))
        with pytest.raises(IntegrityError) as raised:
            session.flush()
    with caplog.at_level(logging.ERROR):
        log.error("storing failed", exc_info=raised.value)
    assert "storing failed" in caplog.text and "signals" in caplog.text
    assert MARKER not in caplog.text


def test_a_key_value_in_postgresql_detail_stays_out_of_both_log_formats(
    session_factory: sessionmaker[Session],
) -> None:
    """PostgreSQL names the clashing key's values in the error's DETAIL line (the person a
    petition names is part of the open-warning key); the log keeps the error, not them."""
    with session_factory() as session:
        session.add(RateLimit(key=MARKER, tat=1.0))
        session.commit()
        session.add(RateLimit(key=MARKER, tat=2.0))
        with pytest.raises(IntegrityError) as raised:
            session.flush()
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "storing failed", None,
                               (type(raised.value), raised.value, raised.tb))
    for formatter in (ZonedFormatter(PLAIN), JsonFormatter()):
        line = formatter.format(record)
        assert "storing failed" in line and "rate_limits" in line
        assert MARKER not in line and json.dumps(MARKER)[1:-1] not in line
