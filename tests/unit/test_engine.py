"""The evaluator and the durable-rules wall: limits that cannot be reached, nothing retained."""

import ast
import time
from pathlib import Path

import pytest
import yaml

from warning.domain.enums import RuleMode
from warning.rules.engine_process import EngineHost
from warning.rules.evaluator import Evaluator, SignalFacts
from warning.rules.loader import RuleBook, load_rulebook
from warning.rules.slots import SHARD_SIZE
from warning.services.rule_service import RuleService, RulesWatcher

ROOT = Path(__file__).parents[2]
FILLER = "根据工作安排，对本单位有关情况进行了检查，总体情况良好，个别环节仍需加强管理。"


def _book(folder: Path, rules: list[dict], per_file: int = 100) -> RuleBook:
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(rules), per_file):
        (folder / f"r{start // per_file:03d}.yaml").write_text(
            yaml.safe_dump({"rules": rules[start : start + per_file]}, allow_unicode=True),
            encoding="utf-8",
        )
    return load_rulebook(folder, risk_points=None, channels=None)


def _rule(i: int, when: dict, **extra: object) -> dict:
    return {"id": f"r-{i}", "name": f"规则{i}", "risk_point": f"P-{i}", "when": when, **extra}


def _ids(evaluator: Evaluator, **signal: object) -> list[str]:
    facts = SignalFacts(**{"channel": "audit", "title": "", "text": "", **signal})  # type: ignore[arg-type]
    return [m.rule_id for m in evaluator.match(facts)]


def test_two_thousand_rules_load_and_evaluate(tmp_path: Path) -> None:
    rules = [_rule(i, {"text": {"any": [f"事项{i}号"]}, "channels": ["audit"]})
             for i in range(2000)]
    evaluator = Evaluator(_book(tmp_path, rules))
    assert len(evaluator.shard_sizes) == 20 * 4  # shards never span files: 32 + 32 + 32 + 4
    assert max(evaluator.shard_sizes) <= SHARD_SIZE
    text = (FILLER * 10)[:480] + "事项1999号"
    assert _ids(evaluator, text=text) == ["r-1999"]
    assert _ids(evaluator, text=FILLER) == []


def test_signal_matching_200_rules_gets_all_200(tmp_path: Path) -> None:
    rules = [_rule(i, {"text": {"any": ["串标"]}, "amount": {"gte": i}}) for i in range(200)]
    rules += [_rule(i, {"channels": ["audit"]}) for i in range(200, 260)]
    evaluator = Evaluator(_book(tmp_path, rules))
    assert _ids(evaluator, text="串标", amount=10**6) == [f"r-{i}" for i in range(260)]
    assert len(_ids(evaluator, text="串标", amount=99.5)) == 100 + 60
    assert evaluator.engine.facts_held() == []  # asked of the engine child itself


def test_text_only_rules_fire_without_the_engine_and_structural_ones_in_it(
    tmp_path: Path,
) -> None:
    rules = [_rule(1, {"text": {"any": ["串标"]}}),
             _rule(2, {"text": {"any": ["串标"]}, "departments": ["CGZX"]})]
    evaluator = Evaluator(_book(tmp_path, rules))
    assert evaluator.shard_sizes == (1,)  # only the rule with a condition for durable
    assert _ids(evaluator, text="串标", department="CGZX") == ["r-1", "r-2"]
    assert _ids(evaluator, text="串标", department="BGS") == ["r-1"]


def test_long_petition_matches_keyword_and_regex_near_its_end(tmp_path: Path) -> None:
    rules = [
        _rule(1, {"text": {"any": ["吃拿卡要"]}}),
        _rule(2, {"text": {"regex": [r"单笔.{0,6}4\d{4}元"]}}),
        _rule(3, {"text": {"regex": ["[一-龥]{3}回扣"]}}),
    ]
    evaluator = Evaluator(_book(tmp_path, rules))
    body = FILLER * (200_000 // len(FILLER.encode()) + 1)
    assert len(body.encode()) > 200_000
    text = body + "另反映其吃拿卡要，单笔金额为45000元，收受供应商回扣。"
    assert _ids(evaluator, channel="petition", text=text) == ["r-1", "r-2", "r-3"]
    assert _ids(evaluator, channel="petition", text=body) == []


@pytest.mark.parametrize(
    ("when", "hit", "miss"),
    [
        ({"text": {"any": ["围标", "串标"]}}, {"text": "存在串标"}, {"text": "存在违规"}),
        ({"text": {"all": ["采购", "拆分"]}}, {"text": "采购拆分"}, {"text": "采购分批"}),
        ({"text": {"any": ["串标"], "none": ["不属实"]}}, {"text": "串标"},
         {"text": "串标经核查不属实"}),
        ({"text": {"regex": [r"单笔.{0,6}4\d{4}元"]}}, {"text": "单笔金额为45000元"},
         {"text": "单笔金额为4500元"}),
        ({"text": {"any": ["ABC"]}}, {"title": "关于abc公司"}, {"title": "关于AB公司"}),
        ({"amount": {"gte": 50000, "lt": 100000}}, {"amount": 50000}, {"amount": 100000}),
        ({"amount": {"gt": 10}}, {"amount": 11}, {"amount": None}),
        ({"amount": {"lte": 10}}, {"amount": 10}, {"amount": 10.5}),
        ({"channels": ["petition", "opinion"]}, {"channel": "opinion"}, {"channel": "audit"}),
        ({"departments": ["CGZX"]}, {"department": "CGZX"}, {"department": "BGS"}),
        ({"departments": ["CGZX"]}, {"department": "CGZX"}, {"department": None}),
        ({"channels": ["audit"], "text": {"any": ["拆分"]}}, {"text": "拆分"},
         {"channel": "petition", "text": "拆分"}),
    ],
)
def test_each_condition_can_fail(tmp_path: Path, when: dict, hit: dict, miss: dict) -> None:
    evaluator = Evaluator(_book(tmp_path, [_rule(1, when)]))
    assert _ids(evaluator, **hit) == ["r-1"]
    assert _ids(evaluator, **miss) == []


def test_off_rules_never_match_and_monitor_rules_say_so(tmp_path: Path) -> None:
    rules = [_rule(1, {"channels": ["audit"]}, mode="off"),
             _rule(2, {"channels": ["audit"]}, mode="monitor"),
             _rule(3, {"channels": ["audit"], "repeat": {
                 "count": 3, "days": 90, "subject": "department"}}, response="talk", severity=3)]
    evaluator = Evaluator(_book(tmp_path, rules))
    matches = evaluator.match(SignalFacts(channel="audit", title="", text=""))
    assert [(m.rule_id, m.mode) for m in matches] == [("r-2", RuleMode.MONITOR),
                                                     ("r-3", RuleMode.ACTIVE)]
    assert matches[1].repeat is not None and matches[1].repeat.count == 3
    assert matches[1].response == "talk" and matches[1].severity == 3
    assert len(matches[0].rule_version) == 12


def test_wide_character_range_is_fine_in_python(tmp_path: Path) -> None:
    evaluator = Evaluator(_book(tmp_path, [_rule(1, {"text": {"regex": ["^[一-龥]+$"]}})]))
    assert _ids(evaluator, title="全部中文", text="都是汉字") == []  # the newline breaks ^...$
    assert _ids(evaluator, text="中文") == []
    evaluator = Evaluator(_book(tmp_path, [_rule(1, {"text": {"regex": ["收受[一-龥]{2,8}"]}})]))
    assert _ids(evaluator, text="收受购物卡") == ["r-1"]


def test_match_many_keeps_order(tmp_path: Path) -> None:
    evaluator = Evaluator(_book(tmp_path, [_rule(1, {"text": {"any": ["串标"]}})]))
    batch = [SignalFacts("audit", "", t) for t in ("串标", "无", "串标")]
    assert [[m.rule_id for m in ms] for ms in evaluator.match_many(batch)] == [
        ["r-1"], [], ["r-1"]]


def _rss_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 // 1024


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_reloads_reuse_or_retire_engines_and_do_not_grow_memory(tmp_path: Path) -> None:
    rules = [_rule(i, {"text": {"any": [f"事项{i}号"]}, "amount": {"gte": i}}) for i in range(64)]
    _book(tmp_path, rules)
    host = EngineHost()
    service = RuleService(tmp_path, host=host, settle_s=0.01)  # memory, not settling
    facts = SignalFacts("audit", "", "事项3号 事项40号", amount=100)

    def cycle() -> int:
        assert service.load() == []
        loaded = service.loaded()
        assert loaded is not None and len(loaded.evaluator.match(facts)) == 2
        return loaded.evaluator.engine.pid or 0

    for _ in range(50):
        cycle()
    before = _rss_kb()
    for _ in range(1000):
        cycle()
    assert _rss_kb() - before < 4_000
    assert host.created == 1  # an unchanged rule book reuses its engine child
    rules[1]["when"]["amount"]["gte"] = 77777
    _book(tmp_path, rules)
    target = tmp_path / "r000.yaml"
    template = target.read_text(encoding="utf-8")
    pids = []
    for n in range(30):  # every reload changes one rule: a new child, the old one retired
        target.write_text(template.replace("77777", str(n)), encoding="utf-8")
        pids.append(cycle())
    assert host.created == 31 and host.live_count() <= 2
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids[:-1]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids[:-1] if _alive(p)] == []  # retired children have exited
    assert _alive(pids[-1])
    assert _rss_kb() - before < 8_000


def test_bad_reload_keeps_rules_in_force(tmp_path: Path) -> None:
    _book(tmp_path, [_rule(1, {"text": {"any": ["串标"]}})])
    rules = RuleService(tmp_path)
    assert rules.load() == []
    first = rules.loaded()
    (tmp_path / "bad.yaml").write_text("rules:\n  - id: x\n", encoding="utf-8")
    problems = rules.load()
    assert problems and "bad.yaml:2: x:" in str(problems[0])
    assert rules.loaded() is first


def test_only_engine_imports_durable() -> None:
    offenders = []
    for path in (ROOT / "warning").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert set(offenders) == {"warning/rules/engine.py"}


def test_a_changed_rule_file_is_picked_up_by_the_watcher_and_a_bad_one_refused(
    tmp_path: Path,
) -> None:
    _book(tmp_path, [_rule(1, {"text": {"any": ["串标"]}})])
    rules = RuleService(tmp_path)
    assert rules.load() == []
    assert rules.reload_if_changed() is None  # nothing changed: no reload
    watcher = RulesWatcher(rules, every_s=0.05)
    watcher.start()
    try:
        _book(tmp_path, [_rule(1, {"text": {"any": ["围标"]}})])
        deadline = time.monotonic() + 5
        while not _ids(rules.current().evaluator, text="围标") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ids(rules.current().evaluator, text="围标") == ["r-1"]
        good = rules.current()
        (tmp_path / "bad.yaml").write_text("rules:\n  - id: x\n", encoding="utf-8")
        while not rules.problems and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rules.problems and "bad.yaml:2: x:" in str(rules.problems[0])
        assert rules.current() is good
    finally:
        watcher.stop()
