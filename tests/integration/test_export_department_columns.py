"""A department's signal export has the columns its pages show, decided by visibility.

Cases (重复信访) link confidential channels' signals, and only readers of every signal see
the case list; a department's signal list shows neither case membership nor whether a
channel is confidential. Its export carried 保密渠道, 首件信号编号 and 同案件数 all the same,
which named a case and its size as soon as a linked signal was visible to the department.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from tests.integration.petition_world import World, build_world
from tests.integration.test_exports import _csv, _xlsx
from warning.auth.principal import Principal
from warning.auth.users import add_user, issue_token
from warning.auth.visibility import sees_cases, sees_confidential_signals
from warning.db.models import Channel
from warning.domain.lifecycle import Role
from warning.exports.signal_table import CASE_COLUMNS, CONFIDENTIAL_COLUMNS, HEADER
from warning.petitions.keys import ReporterCipher, generate_key
from warning.runtime import Runtime
from warning.web.app import create_app

NOT_FOR_DEPARTMENTS = {"保密渠道", "首件信号编号", "同案件数"}


@pytest.fixture
def world(runtime: Runtime) -> Iterator[World]:
    app = create_app(runtime)
    cipher = ReporterCipher([generate_key()])
    app.state.reporter_cipher = cipher
    made = build_world(runtime, app, cipher)
    with runtime.sessions() as session, session.begin():
        leader = add_user(session, name="leader", role="leader", supervises=("CGZX", "CWK"))
        made.tokens["leader"] = issue_token(session, user=leader)
    yield made


def _header_and_rows(world: World, user: str, fmt: str) -> tuple[list[str], list[dict]]:
    got = world.client(user).get(f"/api/signals/export?format={fmt}")
    assert got.status_code == 200, got.text
    rows = _csv(got.content) if fmt == "csv" else _xlsx(got.content)
    if fmt == "csv":
        header = got.content.decode("utf-8-sig").split("\r\n")[0].split(",")
    else:
        header = list(rows[0]) if rows else []
    return header, rows


def test_the_columns_follow_the_visibility_rules() -> None:
    assert set(CASE_COLUMNS) | set(CONFIDENTIAL_COLUMNS) == NOT_FOR_DEPARTMENTS
    for role in Role:
        principal = Principal(user_id=1, name="x", role=role, department_id=1)
        assert sees_cases(principal) == sees_confidential_signals(principal) == (
            role in (Role.ADMIN, Role.OFFICE, Role.REVIEWER))


def test_a_department_s_export_has_no_case_or_confidential_column(
    world: World, runtime: Runtime,
) -> None:
    # a linked signal a department can see: the petition channel no longer confidential
    with runtime.sessions() as session, session.begin():
        session.execute(update(Channel).where(Channel.code == "petition")
                        .values(confidential=False))
        assert session.scalar(select(Channel.confidential)
                              .where(Channel.code == "petition")) is False
    for user in ("handler_a", "handler_b", "leader"):
        for fmt in ("csv", "xlsx"):
            header, rows = _header_and_rows(world, user, fmt)
            assert not NOT_FOR_DEPARTMENTS & set(header), (user, fmt, header)
            assert header == [h for h in HEADER if h not in NOT_FOR_DEPARTMENTS]
            if user == "handler_a":
                ids = {int(str(r["信号编号"])) for r in rows}
                assert {world.first, *world.repeats} <= ids, "the case's members are listed"
    for user in ("office", "admin", "reviewer"):
        header, rows = _header_and_rows(world, user, "xlsx")
        assert header == list(HEADER)
        first = next(r for r in rows if r["信号编号"] == world.first)
        assert (first["首件信号编号"], first["同案件数"]) == (world.first, 3)


def test_a_department_sees_no_case_on_any_page_or_api_either(
    world: World, runtime: Runtime,
) -> None:
    with runtime.sessions() as session, session.begin():
        session.execute(update(Channel).where(Channel.code == "petition")
                        .values(confidential=False))
    for user in ("handler_a", "leader"):
        client = world.client(user)
        page = client.get(f"/signals/{world.first}")
        assert page.status_code == 200 and 'id="case"' not in page.text, user
        assert client.get(f"/api/signals/{world.first}/case").status_code == 404, user
        assert client.get("/api/signals/cases").json()["total"] == 0, user
        assert "串标" not in client.get("/cases").text, user
    office = world.client("office")
    assert 'id="case"' in office.get(f"/signals/{world.first}").text
    assert office.get(f"/api/signals/{world.first}/case").json()["size"] == 3
    assert office.get("/api/signals/cases").json()["total"] == 1
