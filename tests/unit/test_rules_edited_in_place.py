"""Rule files edited on a running service the way editors and deploys do it: the watcher
never puts a half-written file, a half-swapped release or an editor's lock file in force.

Before: a file truncated then rewritten (nano, VS Code) was loaded at the first tick that saw
it, half written: a rule cut after `channels:` lost its `text:` and fired on every signal of
the channel. A release swapped while the files were being read gave a book mixing both, and
Emacs' lock file `.#a.yaml` (a dangling link) refused every reload while a buffer was open.
"""

import os
import time
from pathlib import Path

import pytest

from warning.rules import loader
from warning.rules.engine_process import EngineHost
from warning.services.rule_service import RuleService

RULES = ("rules:\n  - id: r-{name}-1\n    name: 规则一\n    risk_point: P\n"
         "    when:\n      channels: [audit]\n      text: {{any: [围标]}}\n"
         "  - id: r-{name}-2\n    name: 规则二\n    risk_point: P\n"
         "    when: {{text: {{any: [串标]}}}}\n")


def _ids(service: RuleService) -> set[str]:
    return set(service.current().rulebook.by_id)


QUIET_S = 0.2


def _service(folder: Path) -> RuleService:
    service = RuleService(folder, host=EngineHost(), settle_s=QUIET_S)
    assert service.load() == []
    return service


def _quiet() -> None:
    time.sleep(QUIET_S * 1.5)


def test_a_file_being_rewritten_is_loaded_only_once_it_stays_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(RULES.format(name="a"), encoding="utf-8")
    service = _service(tmp_path)
    full = RULES.format(name="b")
    half = full[: full.index("      text:")]  # valid YAML: the first rule without its text
    path.write_text(half, encoding="utf-8")
    assert service.reload_if_due() is None  # seen changing: wait for it to settle
    assert _ids(service) == {"r-a-1", "r-a-2"}
    path.write_text(full, encoding="utf-8")
    assert service.reload_if_due() is None  # changed again since the last look
    assert _ids(service) == {"r-a-1", "r-a-2"}
    assert service.reload_if_due() is None  # unchanged, but not yet for the quiet time
    _quiet()
    assert service.reload_if_due() == []  # unchanged for the quiet time: loaded
    assert _ids(service) == {"r-b-1", "r-b-2"}
    [first, _second] = service.current().rulebook.rules
    assert first.when.text is not None


def _touch_during_read(monkeypatch: pytest.MonkeyPatch, after: str, act: object) -> None:
    """Run `act` once, right after the file named `after` has been read."""
    read = loader.read_regular
    done: list[bool] = []

    def reading(path: Path, limit: int | None = None) -> bytes:
        raw = read(path, limit)
        if path.name == after and not done:
            done.append(True)
            act()  # type: ignore[operator]
        return raw

    monkeypatch.setattr(loader, "read_regular", reading)


def test_a_file_changed_while_the_directory_is_read_is_not_put_in_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(RULES.format(name="a"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(RULES.format(name="b"), encoding="utf-8")
    service = _service(tmp_path)
    (tmp_path / "a.yaml").write_text(RULES.format(name="c"), encoding="utf-8")
    _touch_during_read(monkeypatch, "a.yaml", lambda: (tmp_path / "a.yaml").write_text(
        RULES.format(name="d"), encoding="utf-8"))
    _quiet()
    [problem] = service.reload_if_due() or []  # the watcher: refused, looked at again later
    assert "读取" in problem.message
    assert _ids(service) == {"r-a-1", "r-a-2", "r-b-1", "r-b-2"}
    assert service.reload_if_due() is None
    _quiet()
    assert service.reload_if_due() == []
    assert _ids(service) == {"r-d-1", "r-d-2", "r-b-1", "r-b-2"}


def test_a_load_that_must_answer_reads_again_once_the_changed_files_settle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(RULES.format(name="a"), encoding="utf-8")
    service = _service(tmp_path)
    (tmp_path / "a.yaml").write_text(RULES.format(name="c"), encoding="utf-8")
    _touch_during_read(monkeypatch, "a.yaml", lambda: (tmp_path / "a.yaml").write_text(
        RULES.format(name="d"), encoding="utf-8"))
    assert service.load() == []  # c was read while d was written: read again, d in force
    assert _ids(service) == {"r-d-1", "r-d-2"}


def test_a_release_swapped_while_it_is_read_is_loaded_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for release, names in (("r1", "ab"), ("r2", "cd")):
        (tmp_path / release).mkdir()
        for file, name in zip(("a.yaml", "b.yaml"), names, strict=True):
            (tmp_path / release / file).write_text(RULES.format(name=name), encoding="utf-8")
    current = tmp_path / "current"
    current.symlink_to("r1")
    service = _service(current)

    def swap(to: str) -> None:  # ln -s r2 next && mv -T next current
        (tmp_path / "next").symlink_to(to)
        os.replace(tmp_path / "next", current)

    (tmp_path / "r1" / "a.yaml").write_text(RULES.format(name="e"), encoding="utf-8")
    _touch_during_read(monkeypatch, "a.yaml", lambda: swap("r2"))
    _quiet()
    service.reload_if_due()
    loaded = {i.split("-")[1] for i in _ids(service)}
    assert loaded in ({"a", "b"}, {"c", "d"}, {"e", "b"})  # one release, never a mix
    assert service.reload_if_due() == []  # r2 was written long enough ago: settled
    assert _ids(service) == {"r-c-1", "r-c-2", "r-d-1", "r-d-2"}


def test_editor_lock_and_hidden_files_are_not_rule_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RULES.format(name="a"), encoding="utf-8")
    service = _service(tmp_path)
    (tmp_path / ".#a.yaml").symlink_to("root@host.4242:1700000000")  # Emacs: a dangling link
    (tmp_path / ".a.yaml").write_text(RULES.format(name="a"), encoding="utf-8")  # a duplicate
    (tmp_path / ".a.yaml.swp").write_bytes(b"b0VIM 9.0\0")
    (tmp_path / "a.yaml~").write_text(RULES.format(name="a"), encoding="utf-8")
    assert service.reload_if_due() is None  # nothing the service reads changed
    assert service.load() == []
    assert _ids(service) == {"r-a-1", "r-a-2"}
