"""Inputs and batches larger than PostgreSQL's 65,535 bound parameters a statement.

psycopg refuses a statement binding more ("number of parameters must be between 0 and
65535"); SQLite binds many more. An IN list built from a batch, a case or a quarter must be
chunked or written as a subquery. Each test builds just past the limit on both databases.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from tests.integration.test_petitions_api import _auth, _petition
from warning.auth.users import add_user, issue_token
from warning.cli.main import cli
from warning.db.bulk import insert_many
from warning.db.models import Channel, Delivery, Notice, Signal, SignalLink
from warning.db.value_list import among
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


def test_a_list_past_the_limit_selects_updates_and_deletes_by_one_parameter(
    session_factory: sessionmaker[Session],
) -> None:
    """`among` is the one way to write `IN (values)` for a list of any length."""
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        channel_id = session.scalar(select(Channel.id)) or _channel(session)
        insert_many(session.connection(), Signal.__table__, [
            {"channel_id": channel_id, "external_id": f"S-{n}", "title": "t", "text": "",
             "received_at": now} for n in range(10)])
    wanted = list(range(1, PAST_THE_LIMIT))
    keys = [f"S-{n}" for n in range(PAST_THE_LIMIT)]
    with session_factory() as session, session.begin():
        assert len(session.scalars(select(Signal.id).where(among(Signal.id, wanted))).all()) == 10
        assert len(session.scalars(
            select(Signal.id).where(among(Signal.external_id, keys))).all()) == 10
        assert session.execute(update(Signal).where(among(Signal.id, wanted))
                               .values(title="u")).rowcount == 10
        assert session.execute(delete(Signal).where(among(Signal.external_id, keys[5:]))
                               ).rowcount == 5
        assert session.scalars(select(Signal.id).where(among(Signal.id, []))).all() == []


def _channel(session: Session) -> int:
    session.add(channel := Channel(code="bulk", name="批量", kind="manual"))
    session.flush()
    return channel.id


def test_notice_requeue_takes_more_ids_than_parameters(
    session_factory: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(session_factory)
    new_warning(session_factory, world)
    with session_factory() as session, session.begin():
        notice_id = session.scalars(select(Notice.id).order_by(Notice.id)).first()
        assert notice_id is not None
        session.add(Delivery(notice_id=notice_id, channel="email", target="a@example.cn",
                             status="failed", attempts=6))
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    ids = [str(notice_id), *(str(n) for n in range(10_000_000, 10_000_000 + PAST_THE_LIMIT))]
    result = CliRunner().invoke(cli, ["notice", "requeue", *ids])
    assert result.exit_code == 0, result.output[-500:]
    assert "已重新排队" in result.output and "Traceback" not in result.output


def test_signal_requeue_takes_more_ids_than_parameters(
    session_factory: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    ids = [str(n) for n in range(1, PAST_THE_LIMIT)]
    result = CliRunner().invoke(cli, ["signal", "requeue", *ids])
    assert result.exit_code == 0, result.output[-500:]
    assert "已重新排队 0 条信号" in result.output
