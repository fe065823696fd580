"""The parsed-rules cache: used when the files are unchanged, ignored when stale or broken,
safe with several processes at once, and never a way around the checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from warning.rules import loader
from warning.rules.cache import RulebookCache
from warning.rules.loader import RuleBookError, load_rulebook

RULES = """\
rules:
  - id: bid-collusion
    name: 围标串标
    risk_point: CG-001
    when:
      text:
        any: [围标, 串标]
  - id: split-purchase
    name: 拆分采购
    risk_point: CG-002
    when:
      channels: [audit]
      amount: {gte: 1000}
"""


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(RULES, encoding="utf-8")
    return folder


@pytest.fixture
def forget_parses() -> None:
    """Empty the in-process memo of parsed files, so only the cache can spare a parse."""
    loader._last_parse.clear()


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> object:
        raise AssertionError("parsed although the cache holds these files")

    loader._last_parse.clear()
    monkeypatch.setattr(loader, "_parse_uncached", refuse)


def _load(rules_dir: Path, cache: RulebookCache, **known: set[str]) -> loader.RuleBook:
    return load_rulebook(rules_dir, risk_points=known.get("risk_points"), channels=None,
                         cache=cache)


def test_unchanged_files_come_from_the_cache(
    rules_dir: Path, tmp_path: Path, forget_parses: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RulebookCache(tmp_path / "cache")
    first = _load(rules_dir, cache)
    _no_parsing(monkeypatch)
    second = _load(rules_dir, cache)
    assert second.rules == first.rules and dict(second.versions) == dict(first.versions)
    assert [r.line for r in second.rules] == [2, 8]


def test_an_edited_file_is_parsed_again(
    rules_dir: Path, tmp_path: Path, forget_parses: None
) -> None:
    cache = RulebookCache(tmp_path / "cache")
    _load(rules_dir, cache)
    (rules_dir / "a.yaml").write_text(RULES.replace("围标串标", "串通投标"), encoding="utf-8")
    assert _load(rules_dir, cache).by_id["bid-collusion"].name == "串通投标"
    (rules_dir / "b.yaml").write_text(RULES.replace("id: ", "id: b-"), encoding="utf-8")
    assert len(_load(rules_dir, cache).rules) == 4  # an added file is seen too


def test_a_corrupt_entry_is_ignored_and_rebuilt(
    rules_dir: Path, tmp_path: Path, forget_parses: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RulebookCache(tmp_path / "cache")
    _load(rules_dir, cache)
    [entry] = (tmp_path / "cache").iterdir()
    for garbage in (b"", b"not a pickle", entry.read_bytes()[:100]):
        entry.write_bytes(garbage)
        assert len(_load(rules_dir, cache).rules) == 2
    _no_parsing(monkeypatch)  # the last load wrote a good entry again
    assert len(_load(rules_dir, cache).rules) == 2


def test_an_entry_others_may_write_is_not_read(
    rules_dir: Path, tmp_path: Path, forget_parses: None
) -> None:
    cache = RulebookCache(tmp_path / "cache")
    _load(rules_dir, cache)
    [entry] = (tmp_path / "cache").iterdir()
    assert entry.stat().st_mode & 0o077 == 0 and (tmp_path / "cache").stat().st_mode & 0o077 == 0
    entry.chmod(0o666)
    assert cache.get(rules_dir, [("rules/a.yaml", RULES.encode())]) is None


def test_the_checks_run_on_cached_rules_too(
    rules_dir: Path, tmp_path: Path, forget_parses: None
) -> None:
    cache = RulebookCache(tmp_path / "cache")
    _load(rules_dir, cache)
    with pytest.raises(RuleBookError) as caught:
        _load(rules_dir, cache, risk_points={"CG-001"})
    assert "风险点清单中没有 'CG-002'" in str(caught.value.problems[0])


def test_files_with_problems_are_never_cached(tmp_path: Path, forget_parses: None) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(RULES.replace("gte: 1000", "gte: .nan"), encoding="utf-8")
    cache = RulebookCache(tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(RuleBookError):
            _load(folder, cache)
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_only_costs_the_parse(
    rules_dir: Path, tmp_path: Path, forget_parses: None
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert len(_load(rules_dir, RulebookCache(blocked / "cache")).rules) == 2


LOADER = """
import sys
from pathlib import Path
from warning.rules import loader
from warning.rules.cache import RulebookCache
rules_dir, cache = Path(sys.argv[1]), RulebookCache(Path(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    loader._last_parse.clear()
    book = loader.load_rulebook(rules_dir, risk_points=None, channels=None, cache=cache)
    assert len(book.rules) == 2 and book.rules[0].file.endswith("a.yaml"), book.rules
    assert {r.file for r in book.rules} == {loader.display(rules_dir / "a.yaml")}, book.rules
print("ok")
"""


def test_processes_loading_at_once_all_get_the_right_rules(
    rules_dir: Path, tmp_path: Path
) -> None:
    """Four processes load the same directory 25 times each; two of them from another
    working directory, so the files' shown names differ and the single entry is rewritten
    again and again under the readers."""
    cache = tmp_path / "cache"
    root = str(Path(__file__).parents[2])
    env = os.environ | {"PYTHONPATH": root}
    runs = [
        subprocess.Popen([sys.executable, "-c", LOADER, str(rules_dir), str(cache), "25"],
                         cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for cwd in (tmp_path, "/", tmp_path, "/")
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0 and out.strip() == b"ok", err.decode()[-2000:]
    assert [p.name for p in cache.iterdir()] == [next(cache.iterdir()).name]  # no temporaries


@pytest.mark.parametrize("missing", ["lines", "when.text"])
def test_an_entry_whose_rules_lack_a_field_is_parsed_again(
    rules_dir: Path, tmp_path: Path, forget_parses: None, missing: str
) -> None:
    """What a command writes when it loaded the code before an upgrade replaced the files:
    the key of the new code (hashed from the files) over rules of the old shape. Before,
    every later load failed with AttributeError ('Rule' object has no attribute 'lines')."""
    import pickle

    cache = RulebookCache(tmp_path / "cache")
    first = _load(rules_dir, cache, risk_points={"CG-001", "CG-002"})
    [entry] = (tmp_path / "cache").iterdir()
    key, rules = pickle.loads(entry.read_bytes())
    for rule in rules:
        holder = rule if missing == "lines" else rule.when
        vars(holder).pop(missing.split(".")[-1], None)
    entry.write_bytes(pickle.dumps((key, rules)))
    loader._last_parse.clear()
    again = _load(rules_dir, cache, risk_points={"CG-001", "CG-002"})
    assert again.rules == first.rules
    assert again.by_id["bid-collusion"].when.text is not None
    assert again.by_id["bid-collusion"].lines["risk_point"] == 4
