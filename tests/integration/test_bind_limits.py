"""Inputs and batches larger than PostgreSQL's 65,535 bound parameters a statement.

psycopg refuses a statement binding more ("number of parameters must be between 0 and
65535"); SQLite binds many more. An IN list built from a batch, a case or a quarter must be
chunked or written as a subquery. Each test builds just past the limit on both databases.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.test_petitions_api import _auth, _petition
from warning.auth.users import add_user, issue_token
from warning.db.bulk import insert_many
from warning.db.models import Signal, SignalLink
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app

PAST_THE_LIMIT = 65_535 + 1_000


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime)
    app.state.reporter_cipher = ReporterCipher([generate_key()])
    with TestClient(app) as test_client:
        yield test_client


def _office_token(runtime: Runtime) -> str:
    with runtime.sessions() as session, session.begin():
        return issue_token(session, user=add_user(session, name="office1", role="office"))


def _repeats(runtime: Runtime, case_id: int, count: int) -> None:
    """Store `count` signals linked as repeats of the case `case_id` (a mass petition)."""
    now = datetime.now(UTC)
    with runtime.sessions() as session, session.begin():
        channel_id = session.get_one(Signal, case_id).channel_id
        insert_many(session.connection(), Signal.__table__, [
            {"channel_id": channel_id, "external_id": f"REPEAT-{n}", "title": "重复举报",
             "text": "", "received_at": now} for n in range(count)])
        ids = session.scalars(select(Signal.id).where(Signal.external_id.like("REPEAT-%")))
        insert_many(session.connection(), SignalLink.__table__, [
            {"signal_id": i, "case_signal_id": case_id, "similarity": 0.9, "linked_at": now}
            for i in ids])


def test_a_receipt_of_a_case_with_more_repeats_than_parameters_is_answered(
    runtime: Runtime, client: TestClient,
) -> None:
    posted = client.post("/api/petitions", json=_petition(reporter=None, anonymous=True),
                         headers=_auth(_office_token(runtime)))
    assert posted.status_code == 201, posted.text
    _repeats(runtime, posted.json()["signal_id"], PAST_THE_LIMIT)
    looked = client.post("/api/petitions/receipt", json={"code": posted.json()["receipt_code"]})
    assert looked.status_code == 200, looked.text[:300]
    assert looked.json()["status"] in ("received", "handling"), looked.text[:300]
