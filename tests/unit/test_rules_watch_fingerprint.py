"""The watcher notices a rule file replaced by one of the same size and modification time
(`cp -p`, `rsync -t`, `mv` of a prepared copy, an edit from severity 1 to 3 within one tick
of a coarse clock): the fingerprint holds the inode and change time too, which no copy keeps."""

import os
from pathlib import Path

from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService

RULE = ("rules:\n  - id: r1\n    name: 规则\n    risk_point: P\n    severity: {severity}\n"
        "    when: {{text: {{any: [围标]}}}}\n")


def test_a_same_size_same_mtime_replacement_is_reloaded(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    path = rules / "a.yaml"
    path.write_text(RULE.format(severity=1), encoding="utf-8")
    service = RuleService(rules, host=EngineHost())
    assert service.load() == []
    before = path.stat()
    prepared = tmp_path / "prepared.yaml"
    prepared.write_text(RULE.format(severity=3), encoding="utf-8")
    os.utime(prepared, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert prepared.stat().st_size == before.st_size
    os.replace(prepared, path)  # as `mv` or `rsync -t` would put it there
    assert service.reload_if_changed() == []
    [rule] = service.current().rulebook.rules
    assert rule.severity == 3


def test_an_untouched_directory_is_not_reloaded(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULE.format(severity=1), encoding="utf-8")
    service = RuleService(rules, host=EngineHost())
    assert service.load() == []
    assert service.reload_if_changed() is None
