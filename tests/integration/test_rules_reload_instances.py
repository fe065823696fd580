"""A reload asked on one instance reaches the others through `rule_reloads` and their watchers.

The case that file watching alone misses: the register gained the risk point a refused rule
named, and no rule file changed. Two RuleService objects on one database stand for two
instances (each `qingfeng serve` holds one), each with its own engine child.
"""

import time
from pathlib import Path

from warning.db.models import RiskPoint, RuleReload
from warning.runtime import Runtime
from warning.services.rule_service import RuleService, RulesWatcher

NEW_RULE = ("rules:\n  - id: gift-cards\n    name: 收受购物卡\n    risk_point: NEW-001\n"
            "    when:\n      text:\n        any: [购物卡]\n")


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_reload_asked_on_one_instance_reaches_the_other(
    runtime: Runtime, rules_dir: Path,
) -> None:
    (rules_dir / "zz-new.yaml").write_text(NEW_RULE, encoding="utf-8")
    here, there = runtime.rules, RuleService(rules_dir, runtime.sessions)
    assert here.load() and there.load()  # both refuse: NEW-001 is not in the register
    assert there.reload_if_due() is None  # nothing asked, no file changed
    watcher = RulesWatcher(there, every_s=0.2)
    watcher.start()
    try:
        before = there.loaded()
        with runtime.sessions() as session, session.begin():
            session.add(RiskPoint(code="NEW-001", name="收受购物卡", category="业务流程",
                                  level="medium", owner_level="department"))
        time.sleep(1.0)
        assert there.loaded() is before  # the files did not change: no reload by itself
        assert here.request_reload("user:office") == []
        assert "gift-cards" in here.current().rulebook.by_id
        assert _wait(lambda: there.loaded() is not before and not there.problems)
        assert "gift-cards" in there.current().rulebook.by_id
        reloaded = there.loaded()
        time.sleep(1.0)
        assert there.loaded() is reloaded  # one request, one reload
    finally:
        watcher.stop()
    with runtime.sessions() as session:
        rows = session.query(RuleReload).all()
    assert [(r.actor, r.instance.count(":")) for r in rows] == [("user:office", 2)]
