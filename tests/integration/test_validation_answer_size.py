"""A refused body's 422 names the first errors and counts the rest: its size does not grow
with the body's. An action takes at most MAX_COUNT attachments."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_api import _auth, make_app
from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.handling.attachments import MAX_COUNT
from warning.web.errors import MAX_DETAILS


@dataclass
class Acting:
    """The handler of a new warning's department, posting to its actions."""

    client: TestClient
    headers: dict[str, str]
    wid: int

    def post(self, headers: dict[str, str] | None = None, **request: Any) -> httpx.Response:
        return self.client.post(f"/api/warnings/{self.wid}/actions",
                                headers=self.headers | (headers or {}), **request)

    def events(self) -> list[str]:
        answer = self.client.get(f"/api/warnings/{self.wid}/events", headers=self.headers)
        return [e["action"] for e in answer.json()]


@pytest.fixture
def acting(session_factory: sessionmaker[Session], tmp_path: Path) -> Acting:
    world = build_world(session_factory)
    client = TestClient(make_app(session_factory, tmp_path / "files"))
    return Acting(client, _auth(world, "handler_a"), new_warning(session_factory, world))


def test_a_body_with_thousands_of_bad_items_gets_a_short_answer_and_changes_nothing(
    acting: Acting,
) -> None:
    body: dict[str, object] = {f"unknown_{i}": i for i in range(5_000)}
    body |= {"action": "receive", "version": 1}
    answer = acting.post(json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert len(error["details"]) <= MAX_DETAILS
    assert error["more_errors"] == 5_000 - len(error["details"])
    assert len(answer.content) < 20_000  # the body sent was ~90 KB
    assert acting.events() == ["issue"]


def test_an_action_with_more_attachments_than_allowed_is_refused_by_field(acting: Acting) -> None:
    one = {"filename": "a.pdf", "content": "JVBERi0xLjQ="}
    body = {"action": "receive", "version": 1, "attachments": [one] * (MAX_COUNT + 1)}
    answer = acting.post(json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["details"][0]["field"] == "attachments"
    assert "more_errors" not in error


def test_a_few_errors_are_all_listed(acting: Acting) -> None:
    body = {"action": "receive", "version": -1, "comment": 5, "extra": True}
    answer = acting.post(json=body)
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"version", "comment", "extra"}


def test_a_body_json_cannot_hold_says_why_not_that_it_is_not_utf8(acting: Acting) -> None:
    bodies = {
        b'{"action": "receive", "version": ' + b"9" * 5_000 + b"}": "整数位数过多",
        b'{"action": "receive", "version": 1, "comment": ' + b"[" * 200_000
        + b"]" * 200_000 + b"}": "嵌套层数过多",
        b'{"action": "receive", "comment": "\xff"}': "UTF-8",
    }
    for content, says in bodies.items():
        answer = acting.post(content=content,
                             headers={"content-type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert says in answer.json()["error"]["message"], (content[:60], answer.text)
        assert "UTF-8" not in answer.json()["error"]["message"] or says == "UTF-8"
