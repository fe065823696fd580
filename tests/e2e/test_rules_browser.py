"""The rules page in a real browser: reload, a refused reload with file:line, one rule's cases."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.helpers import seed_warnings
from warning.runtime import Runtime

CASES = """cases:
  - name: 第三次虚报冒领
    signal: {channel: audit, department: CWK, title: 虚报, text: 虚报差旅费, person: 林小红}
    history: 2
    expect: [false-claims-repeat]
  - name: 没有写明人员的虚报不按人累计
    signal: {channel: audit, department: CWK, title: 虚报, text: 虚报差旅费}
    history: 5
    expect_not: [false-claims-repeat]
"""


def test_the_office_reloads_and_runs_one_rules_cases(
    page: Page, runtime: Runtime, rules_dir: Path, tmp_path: Path,
) -> None:
    seed_warnings(runtime)
    (rules_dir / "tests").mkdir()
    (rules_dir / "tests" / "cases.yaml").write_text(CASES, encoding="utf-8")
    page.goto("/rules")
    row = page.locator("#rules-table tr", has_text="虚报冒领多次被举报")
    expect(row.locator("td").first).to_have_text("虚报冒领多次被举报")
    page.screenshot(path=str(tmp_path / "rules.png"), full_page=True)

    (rules_dir / "zz-bad.yaml").write_text(
        "rules:\n  - id: bad\n    name: 坏规则\n    risk_point: NO-SUCH\n"
        "    when:\n      text:\n        any: [x]\n", encoding="utf-8")
    page.click("#reload-form button")
    expect(page.locator("#reload-refused")).to_contain_text("原有规则继续生效")
    expect(page.locator("#rules-problems")).to_contain_text("zz-bad.yaml:")
    page.screenshot(path=str(tmp_path / "rules-refused.png"), full_page=True)
    (rules_dir / "zz-bad.yaml").unlink()
    page.click("#reload-form button")
    expect(page.locator("#reload-done")).to_contain_text("已重新载入本实例")

    page.locator("#rules-table tr", has_text="虚报冒领多次被举报").get_by_role(
        "button", name="运行用例").click()
    expect(page.locator("#fixtures-summary")).to_have_text("用例 2 个，通过 2 个，失败 0 个。")
    expect(page.locator("#fixtures-table")).to_contain_text("信号缺少该主体")
    page.screenshot(path=str(tmp_path / "rules-fixtures.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
