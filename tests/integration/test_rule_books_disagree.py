"""Instances on one database that hold different rule books (a half-done deploy) say so.

Before: two `qingfeng serve` on one PostgreSQL database with different rule files on disk
both answered /readyz "ready, 32 rules, 0 problems" and GET /api/rules/status showed only
their own files; the same signal was graded `talk` on one and `rectification` on the
other, and nothing said the instances disagreed.
"""

import shutil
from pathlib import Path

from warning.rules.loader import rule_files
from warning.runtime import Runtime
from warning.services.rule_service import RuleService
from warning.web.api.health import readiness


def test_an_instance_with_another_rule_book_is_named_by_readyz(
    runtime: Runtime, rules_dir: Path, tmp_path: Path,
) -> None:
    other_dir = tmp_path / "release-2"
    shutil.copytree(rules_dir, other_dir)
    [first, *_] = rule_files(other_dir)
    first.write_text(first.read_text(encoding="utf-8") + "# release 2\n", encoding="utf-8")
    here = runtime.rules
    assert here.load() == []
    detail = str(readiness(runtime)["rules"]["detail"])
    assert here.book_digest() in detail and "不同" not in detail

    there = RuleService(other_dir, runtime.sessions, instance="vm:2:other")
    assert there.load() == []
    assert there.book_digest() != here.book_digest()
    checks = readiness(runtime)
    detail = str(checks["rules"]["detail"])
    assert "vm:2:other" in detail and there.book_digest() in detail and "不同" in detail
    assert checks["rules"]["ok"] is True  # told, not taken out of the balancer

    same = RuleService(rules_dir, runtime.sessions, instance="vm:3:same")
    assert same.load() == []
    assert "vm:3:same" not in str(readiness(runtime)["rules"]["detail"])


def test_the_book_digest_does_not_depend_on_where_the_files_lie(
    runtime: Runtime, rules_dir: Path, tmp_path: Path,
) -> None:
    copy = tmp_path / "elsewhere"
    shutil.copytree(rules_dir, copy)
    there = RuleService(copy, runtime.sessions, instance="vm:4:copy")
    assert runtime.rules.load() == [] and there.load() == []
    assert there.book_digest() == runtime.rules.book_digest()


def test_the_rules_status_names_the_instance_with_another_book(
    runtime: Runtime, rules_dir: Path, tmp_path: Path,
) -> None:
    from warning.web.api.rules_status import _status

    other_dir = tmp_path / "release-2"
    shutil.copytree(rules_dir, other_dir)
    [first, *_] = rule_files(other_dir)
    first.write_text(first.read_text(encoding="utf-8") + "# release 2\n", encoding="utf-8")
    assert runtime.rules.load() == []
    there = RuleService(other_dir, runtime.sessions, instance="vm:2:other")
    assert there.load() == []
    status = _status(runtime)
    assert status.book == runtime.rules.book_digest()
    assert [(o.instance, o.digest) for o in status.other_books] == [
        ("vm:2:other", there.book_digest())]


def test_the_rules_page_names_the_instance_with_another_book(
    runtime: Runtime, rules_dir: Path, tmp_path: Path,
) -> None:
    from tests.integration.page_client import build_site

    site = build_site(runtime, tmp_path / "site")
    assert 'id="other-books"' not in site.client("office").get("/rules").text
    other_dir = tmp_path / "release-2"
    shutil.copytree(rules_dir, other_dir)
    [first, *_] = rule_files(other_dir)
    first.write_text(first.read_text(encoding="utf-8") + "# release 2\n", encoding="utf-8")
    there = RuleService(other_dir, runtime.sessions, instance="vm:2:other")
    assert there.load() == []
    page = site.client("office").get("/rules").text
    note = page[page.index('id="other-books"'):]
    assert "vm:2:other" in note and str(there.book_digest()) in note
    assert str(runtime.rules.book_digest()) in note
