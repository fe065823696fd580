"""The rules page: load status with file:line, reload, hits by visibility, one rule's fixtures."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.page_client import Site, build_site
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.pages.csrf import COOKIE

BROKEN = ("rules:\n  - id: bribe-gift\n    name: 收受礼金\n    risk_point: CG-001\n"
          "    when:\n      text:\n        any: [礼金]\n"
          "  - id: broken\n    name: 坏规则\n    risk_point: NO-SUCH-POINT\n"
          "    when:\n      text:\n        any: [礼品]\n")
FIXTURES = """cases:
  - name: 第三次虚报冒领
    signal: {channel: audit, department: CWK, title: 虚报, text: 虚报差旅费, person: 林小红}
    history: 2
    expect: [false-claims-repeat]
  - name: 没有写明人员的虚报不按人累计
    signal: {channel: audit, department: CWK, title: 虚报, text: 虚报差旅费}
    history: 5
    expect_not: [false-claims-repeat]
  - name: 故意写错的用例
    signal: {channel: audit, department: CWK, title: 报销, text: 正常报销, person: 林小红}
    history: 2
    expect: [false-claims-repeat]
  - name: 别的规则的用例
    signal: {channel: audit, department: CGZX, title: 串标, text: 串标}
    expect: [bid-collusion]
"""


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    built = build_site(runtime, tmp_path)  # one petition about 串标 on CGZX
    runtime.intake.ingest([SignalIn(channel="audit", external_id="AUD-1", title="审计发现串标",
                                    text="评标中发现串标迹象。", department="CGZX")])
    return built


def _hits(page: str, rule_id: str) -> int:
    found = re.search(rf'data-rule="{rule_id}">(\d+)<', page)
    assert found, page
    return int(found.group(1))


def _post(client: TestClient, url: str, **fields: str):  # type: ignore[no-untyped-def]
    client.get("/rules")
    return client.post(url, data={"csrf_token": client.cookies.get(COOKIE, ""), **fields})


def test_names_come_first_and_hits_follow_what_each_user_may_see(site: Site) -> None:
    office = site.client("office").get("/rules").text
    row = office[office.index("围标串标"):]
    assert row.index("围标串标") < row.index("bid-collusion")  # the Chinese name leads
    assert re.search(r"test-rules\.yaml:\d+", office)
    assert _hits(office, "bid-collusion") == 2 and _hits(office, "split-purchase") == 0
    assert 'id="reload-form"' in office and "运行用例" in office
    purchasing = site.client("cg").get("/rules").text
    assert _hits(purchasing, "bid-collusion") == 1  # its audit finding, not the petition
    assert 'id="reload-form"' not in purchasing and "运行用例" not in purchasing
    assert _hits(site.client("cw").get("/rules").text, "bid-collusion") == 0
    assert _hits(site.client("reviewer").get("/rules").text, "bid-collusion") == 2


def test_a_refused_reload_keeps_the_rules_and_names_file_and_line(
    site: Site, rules_dir: Path,
) -> None:
    office = site.client("office")
    before = site.runtime.rules.loaded()
    (rules_dir / "zz-new.yaml").write_text(BROKEN, encoding="utf-8")
    refused = _post(office, "/rules/reload")
    assert refused.status_code == 422
    assert "未载入；原有规则继续生效" in refused.text
    assert re.search(r"zz-new\.yaml:10</td><td class=\"mono\">broken</td>", refused.text)
    assert site.runtime.rules.loaded() is before
    assert "收受礼金" not in refused.text.split('id="rules-table"')[1]
    # the problems stay on the page for everyone who opens it, with file:line for the office
    assert "zz-new.yaml:10" in office.get("/rules").text
    assert "zz-new.yaml:10" not in site.client("cg").get("/rules").text

    (rules_dir / "zz-new.yaml").write_text(BROKEN.split("  - id: broken")[0], encoding="utf-8")
    accepted = _post(office, "/rules/reload")
    assert accepted.status_code == 200, accepted.text
    assert "已重新载入本实例" in accepted.text and "已通知其他实例" in accepted.text
    after = site.runtime.rules.loaded()
    assert after is not before and "bribe-gift" in after.rulebook.by_id
    outcome = site.runtime.intake.ingest([SignalIn(
        channel="audit", external_id="AUD-2", title="收受礼金", text="收受礼金",
        department="CGZX")])[0]
    assert [w.rule_id for w in outcome.warnings] == ["bribe-gift"]


def test_only_office_and_admin_reload_and_only_with_the_form_token(site: Site) -> None:
    before = site.runtime.rules.loaded()
    assert _post(site.client("cg"), "/rules/reload").status_code == 404
    assert _post(site.client("reviewer"), "/rules/fixtures", rule_id="bid-collusion"
                 ).status_code == 404
    office = site.client("office")
    assert office.post("/rules/reload", data={"csrf_token": "x"}).status_code == 403
    assert site.runtime.rules.loaded() is before


def test_one_rules_fixtures_run_with_pass_and_fail_per_case(
    site: Site, rules_dir: Path,
) -> None:
    (rules_dir / "tests").mkdir()
    (rules_dir / "tests" / "cases.yaml").write_text(FIXTURES, encoding="utf-8")
    answer = _post(site.client("office"), "/rules/fixtures", rule_id="false-claims-repeat")
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert "用例 3 个，通过 2 个，失败 1 个" in page
    rows = re.findall(r'<tr class="case-(pass|fail)">.*?<td>(.*?)</td>', page, re.S)
    assert [(result, name) for result, name in rows] == [
        ("pass", "第三次虚报冒领"), ("pass", "没有写明人员的虚报不按人累计"),
        ("fail", "故意写错的用例")]
    assert "信号缺少该主体, 不触发" in page
    assert "tests/cases.yaml:2</td>" in page  # file:line, relative to the rules directory
    assert "别的规则的用例" not in page

    none = _post(site.client("office"), "/rules/fixtures", rule_id="split-purchase")
    assert none.status_code == 200 and 'id="fixtures-none"' in none.text


@pytest.mark.parametrize(("rule_id", "message"), [
    ("", "请选择要运行用例的规则"),
    ("x" * 101, "规则编号不能超过 100 个字符"),
    ("<script>alert(1)</script>", "在用规则中没有这条规则"),
    ("no-such-rule", "在用规则中没有这条规则"),
])
def test_bad_rule_ids_get_a_field_message_not_an_error_page(
    site: Site, rule_id: str, message: str,
) -> None:
    answer = _post(site.client("office"), "/rules/fixtures", rule_id=rule_id)
    assert answer.status_code == 422
    assert message in answer.text and 'class="field-error"' in answer.text
    assert "<script>alert(1)" not in answer.text and "Traceback" not in answer.text
