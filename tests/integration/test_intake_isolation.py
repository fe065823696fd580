"""One bad signal never fails its neighbours: bad input is refused alone, with its field.

The class: a batch of concurrent posts where each bad item is of one kind (NUL or a lone
surrogate in each text field, a date that does not exist in UTC, an amount with too many
decimals or out of range, an id or int past what the database holds) beside good ones.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.test_api_signals import _token
from warning.db.models import Signal
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.services.writer import IntakeWriter
from warning.web.app import create_app

TEXT_FIELDS = ("channel", "external_id", "title", "text", "department", "person", "post")
# every field a body carries, as text: an amount "1\ud800" was a 500 (its message echoed it)
ALL_FIELDS = (*TEXT_FIELDS, "amount", "occurred_at")


def _good(n: int) -> dict[str, object]:
    return {"channel": "petition", "external_id": f"G-{n}", "title": f"来信{n}",
            "text": "反映设备采购中存在串标", "department": "CGZX", "person": "张三",
            "post": "采购员", "amount": "12000.50", "occurred_at": "2026-11-02T09:30:00+08:00"}


def _bad_items() -> list[tuple[str, dict[str, object]]]:
    """Return (field, body) for one bad item of each kind."""
    bad: list[tuple[str, dict[str, object]]] = []
    for n, field in enumerate(ALL_FIELDS):
        for m, char in enumerate(("\x00", "\ud800")):
            body = _good(1000 + 10 * n + m) | {field: f"前{char}后"}
            bad.append((field, body))
    bad += [
        ("occurred_at", _good(2001) | {"occurred_at": "9999-12-31T23:00:00-12:00"}),
        ("occurred_at", _good(2002) | {"occurred_at": "0001-01-01T00:00:00+08:00"}),
        ("amount", _good(2003) | {"amount": "0.015"}),
        ("amount", _good(2004) | {"amount": 10**30}),
        ("amount", _good(2005) | {"amount": "1000000000000000"}),
        ("amount", _good(2006) | {"amount": "-0.01"}),
    ]
    return bad


def _post(client: TestClient, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    # ensure_ascii keeps a lone surrogate as a \ud800 escape, as a client may send it
    response = client.post("/api/signals", content=json.dumps(body).encode(),
                           headers={"content-type": "application/json"})
    return response.status_code, response.json()


def test_concurrent_posts_store_every_good_one_and_refuse_each_bad_one_alone(
    runtime: Runtime,
) -> None:
    token = _token(runtime, "office", "office")
    bad = _bad_items()
    goods = [_good(n) for n in range(3 * len(bad))]
    bodies = [b for pair in zip(goods[::3], goods[1::3], goods[2::3], strict=True)
              for b in pair] + [body for _, body in bad]
    with TestClient(create_app(runtime)) as client, ThreadPoolExecutor(16) as pool:
        client.headers["Authorization"] = f"Bearer {token}"
        answers = list(pool.map(lambda b: _post(client, b), bodies))
    by_id = {str(b["external_id"]): a for b, a in zip(bodies, answers, strict=True)}
    for body in goods:
        status, answer = by_id[str(body["external_id"])]
        assert status == 201, answer
    for field, body in bad:
        status, answer = by_id[str(body["external_id"])] if field != "external_id" else next(
            a for b, a in zip(bodies, answers, strict=True) if b is body)
        assert status == 422, (field, answer)
        error = answer["error"]
        assert field in json.dumps(error, ensure_ascii=False), (field, error)
    with runtime.sessions() as session:
        stored = set(session.scalars(select(Signal.external_id)))
        amounts = set(session.scalars(select(Signal.amount)))
    assert stored == {str(b["external_id"]) for b in goods}
    assert amounts == {Decimal("12000.50")}


def _item(n: int, **fields: object) -> SignalIn:
    return SignalIn(**(_good(n) | fields))  # type: ignore[arg-type]


def test_a_batch_the_database_refuses_fails_only_the_item_at_fault(runtime: Runtime) -> None:
    """Past validation (model_construct), one item's date cannot be stored at all."""
    writer = IntakeWriter(runtime.intake, batch_size=50, wait_s=0.5)
    overflowing = _item(99).model_copy(update={
        "occurred_at": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12)))
    })
    items = [_item(n) for n in range(10)]
    items.insert(5, overflowing)
    futures = [writer.submit(item) for item in items]  # queued before the thread starts
    writer.start()
    try:
        for item, future in zip(items, futures, strict=True):
            if item is overflowing:
                assert future.exception(timeout=30) is not None
            else:
                outcome = future.result(timeout=30)
                assert outcome.created and outcome.error is None, outcome
    finally:
        writer.stop()
    with runtime.sessions() as session:
        stored = set(session.scalars(select(Signal.external_id)))
        received = set(session.scalars(select(Signal.received_at)))
    assert stored == {f"G-{n}" for n in range(10)}
    assert all(r <= datetime.now(UTC) for r in received)


@pytest.mark.parametrize("amount", ["0.01", "0.015", "99999999999999.99",
                                    "999999999999999.99", "12000.5"])
def test_amounts_read_back_exactly_or_are_refused(runtime: Runtime, amount: str) -> None:
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        status, answer = _post(client, _good(1) | {"amount": amount})
        if len(amount.partition(".")[2]) > 2:
            assert status == 422 and answer["error"]["details"][0]["field"] == "amount"
            return
        assert status == 201, answer
        read = client.get(f"/api/signals/{answer['signal_id']}").json()
    assert Decimal(read["amount"]) == Decimal(amount)
    with runtime.sessions() as session:
        assert session.scalar(select(Signal.amount)) == Decimal(amount)


@pytest.mark.parametrize("amount", ["99999999999999.99", "999999999999999.99", "0.1"])
def test_an_amount_sent_as_a_json_number_is_the_number_written(
    runtime: Runtime, amount: str
) -> None:
    """A JSON number is read as the decimal written: through a float, 99999999999999.99 was
    stored as ...98 and 999999999999999.99 refused as out of range."""
    token = _token(runtime, "office", "office")
    body = json.dumps(_good(1) | {"amount": "AMOUNT"}).replace('"AMOUNT"', amount)
    with TestClient(create_app(runtime)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        response = client.post("/api/signals", content=body.encode(),
                               headers={"content-type": "application/json"})
        assert response.status_code == 201, response.text
    with runtime.sessions() as session:
        assert session.scalar(select(Signal.amount)) == Decimal(amount)
