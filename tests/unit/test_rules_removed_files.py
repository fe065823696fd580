"""A deploy that removes the old rule files and then copies the new ones is never read in
between, and a rules directory left with no rule at all is not put in force.

Before: removing a file changes no remaining file, so the files looked settled at once and
the book without it was put in force at the next look (and by a reload asked meanwhile);
a directory emptied by a deploy or an unmounted volume put an empty book in force: no
signal raised any warning, and nothing said so.
"""

import threading
import time
from pathlib import Path

from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService

RULE = "rules:\n  - id: r-{n}\n    name: 规则\n    risk_point: P\n    mode: {mode}\n" \
       "    when: {{text: {{any: [围标{n}]}}}}\n"
QUIET_S = 0.3


def _write(folder: Path, n: int, mode: str = "active") -> None:
    (folder / f"r{n}.yaml").write_text(RULE.format(n=n, mode=mode), encoding="utf-8")


def _service(folder: Path, files: range) -> RuleService:
    for n in files:
        _write(folder, n)
    time.sleep(QUIET_S * 1.5)  # written a while ago: the first load does not wait
    service = RuleService(folder, host=EngineHost(), known_refs=lambda: ({"P"}, None),
                          settle_s=QUIET_S)
    assert service.load() == []
    return service


def _ids(service: RuleService) -> set[str]:
    return set(service.current().rulebook.by_id)


def test_the_watcher_waits_for_a_directory_a_file_was_removed_from(tmp_path: Path) -> None:
    service = _service(tmp_path, range(3))
    (tmp_path / "r2.yaml").unlink()
    assert service.reload_if_due() is None  # the directory just changed: not settled
    assert _ids(service) == {"r-0", "r-1", "r-2"}
    time.sleep(QUIET_S * 1.5)
    assert service.reload_if_due() == []
    assert _ids(service) == {"r-0", "r-1"}


def test_a_reload_during_a_remove_then_copy_deploy_loads_the_new_set_whole(
    tmp_path: Path,
) -> None:
    service = _service(tmp_path, range(3))

    def deploy() -> None:
        for n in range(3):
            (tmp_path / f"r{n}.yaml").unlink()
        time.sleep(QUIET_S / 2)
        for n in range(3, 6):
            _write(tmp_path, n)
            time.sleep(QUIET_S / 2)

    copying = threading.Thread(target=deploy)
    copying.start()
    time.sleep(QUIET_S / 4)  # the old files are gone, the new ones not yet copied
    assert service.load() == []  # waits for the directory to settle
    copying.join()
    assert _ids(service) == {"r-3", "r-4", "r-5"}


def test_a_directory_left_without_rules_is_refused_and_the_rules_stay(tmp_path: Path) -> None:
    service = _service(tmp_path, range(2))
    for n in range(2):
        (tmp_path / f"r{n}.yaml").unlink()
    [problem] = service.load()
    assert "没有任何规则" in problem.message and problem.file == str(tmp_path)
    assert _ids(service) == {"r-0", "r-1"}
    _write(tmp_path, 0, mode="off")  # stopping every rule is said in the files
    assert service.load() == []
    assert _ids(service) == {"r-0"}
