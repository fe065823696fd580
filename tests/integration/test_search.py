"""The search box finds what each user may see, and never a petition's words for those who
may not read them."""

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.page_client import Site, build_site
from warning.db.models import RiskPoint, RiskWarning
from warning.runtime import Runtime

TITLE_WORD, TEXT_WORD = "设备采购", "围标串标"  # the site's petition: title, then its text


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _point_name(site: Site) -> str:
    with site.runtime.sessions() as session:
        return session.scalars(select(RiskPoint.name).join(
            RiskWarning, RiskWarning.risk_point_id == RiskPoint.id)).first() or ""


def _found(site: Site, user: str, q: str) -> tuple[bool, bool, str]:
    page = site.client(user).get("/search", params={"q": q})
    assert page.status_code == 200
    text = page.text
    return ('id="search-signals"' in text, 'id="search-warnings"' in text, text)


def test_the_office_finds_a_petition_by_its_title_and_its_words(site: Site) -> None:
    assert _found(site, "office", TITLE_WORD)[0]
    assert _found(site, "office", TEXT_WORD)[0]


def test_a_reviewer_finds_the_title_but_never_by_the_petition_words(site: Site) -> None:
    assert _found(site, "reviewer", TITLE_WORD)[0]
    signals, _, text = _found(site, "reviewer", TEXT_WORD)
    assert not signals and TEXT_WORD not in text.split("</form>", 2)[-1]


def test_a_department_never_finds_a_petition_and_only_its_own_warnings(site: Site) -> None:
    for word in (TITLE_WORD, TEXT_WORD):
        signals, _, text = _found(site, "cg", word)
        assert not signals and "反映设备采购存在串标" not in text
    point = _point_name(site)
    assert _found(site, "cg", point)[1]  # the warning on 采购中心: its risk point, not the petition
    assert not _found(site, "cw", point)[1]


def test_wildcards_are_text_and_a_too_short_query_is_said(site: Site) -> None:
    assert not any(_found(site, "office", "%%")[:2])
    assert not any(_found(site, "office", "__")[:2])
    page = site.client("office").get("/search", params={"q": "a"})
    assert page.status_code == 200 and "请输入" in page.text
    assert site.client("office").get("/search", params={"q": "x" * 5000}).status_code == 200
