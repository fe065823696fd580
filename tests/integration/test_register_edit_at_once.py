"""Two people editing one risk point: neither undoes the other unseen, none is recorded twice.

The point's form posts every field. A second editor who opened the page before the first
saved sent the old values back with their own change, and the first change was undone
with nothing shown to either (a lost update); the same form sent twice at once recorded
each change twice in the point's history. The form now carries the newest change it was
drawn from: a form drawn before someone else's change is refused (409) with the point as
it is now, and the same form sent again after it was saved changes and records nothing.
"""

import re
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.page_client import Site, build_site
from tests.integration.test_register_pages import _form, _point
from warning.auth.users import add_user
from warning.db.models import RiskPointChange
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE

PAGE = "/register/points/CG-001"


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    built = build_site(runtime, tmp_path)
    with runtime.sessions() as session, session.begin():  # a second editor
        add_user(session, name="admin", role="admin", password="pw-admin-12345678")
    return built


def _drawn(client: TestClient) -> dict[str, str]:
    """Open the point's page and return its form's hidden fields, as a browser keeps them."""
    page = client.get(PAGE).text
    return dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', page))


def _changes(site: Site) -> list[tuple[str, str, str]]:
    with site.runtime.sessions() as session:
        return [(c.field, c.old_value, c.new_value) for c in session.scalars(
            select(RiskPointChange).order_by(RiskPointChange.id))]


def test_an_edit_drawn_before_another_is_refused_not_undoing_it(site: Site) -> None:
    first, second = site.client("office"), site.client("admin")
    point = _point(site)
    first_form, second_form = _drawn(first), _drawn(second)
    saved = first.post(PAGE, data=first_form | _form(point, level="medium", reason="调低等级"))
    assert saved.status_code == 303, saved.text
    late = second.post(PAGE, data=second_form | _form(
        point, measure_handling="约谈并通报", reason="补充处置措施"))
    assert late.status_code == 409, late.text[:2000]
    assert "已被他人修改" in late.text
    after = _point(site)
    assert (after.level, after.measure_handling) == ("medium", point.measure_handling)
    assert _changes(site) == [("level", "high", "medium")]
    again = second.post(PAGE, data=_drawn(second) | _form(
        after, measure_handling="约谈并通报", reason="补充处置措施"))
    assert again.status_code == 303, again.text[:2000]
    assert _point(site).level == "medium"


def test_the_same_edit_sent_again_is_recorded_once(site: Site) -> None:
    office = site.client("office")
    point = _point(site)
    data = _drawn(office) | _form(point, level="medium", reason="调低等级")
    assert office.post(PAGE, data=data).status_code == 303
    again = office.post(PAGE, data=data)
    assert again.status_code == 303, again.text[:2000]
    assert _changes(site) == [("level", "high", "medium")]


def test_the_same_edit_sent_many_times_at_once_is_recorded_once(site: Site) -> None:
    office = site.client("office")
    point = _point(site)
    data = _drawn(office) | _form(point, level="medium", reason="调低等级")
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def send() -> None:
        client = TestClient(site.app, cookies=dict(office.cookies), follow_redirects=False)
        barrier.wait()
        codes.append(client.post(PAGE, data=data).status_code)

    racers = [threading.Thread(target=send) for _ in range(6)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert codes == [303] * 6, codes
    with site.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RiskPointChange)) == 1
    assert COOKIE in office.cookies
