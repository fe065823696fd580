"""The real engine against the reference evaluator of rules/README.md, on generated rules.

Seeded random rules (keywords, regexes, amounts, channels, departments, modes, severities,
explicit responses, repeats by person/post/department) and signals (with and without
subjects, amounts and occurred_at) go through the real intake on SQLite and PostgreSQL;
the reference evaluates the same signals in the same order. They must agree on every rule
hit, every warning's signals, response, winning rule, rules recorded, repeat count and
deadlines.
"""

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from tests.differential.reference import DEADLINES, Reference
from tests.support import seeded_runtime
from warning.db.models import HandlingRecord, RiskPoint, RiskWarning, RuleHit, Signal, WarningSignal
from warning.domain.calendar import due_at
from warning.handling.holidays import default_calendar
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

RULES, SIGNALS, BATCH = 1000, 1500, 100
LEVELS = {"CG-001": "high", "CG-002": "medium", "CW-001": "high", "BG-001": "low"}
CHANNELS = ["api", "audit"]  # petition is left out: near-duplicate linking is not in README
DEPARTMENTS = ["CGZX", "CWK", "BGS"]
HAN = "采购招标拆分围标报销虚报公车接待合同审计整改资金岗位项目工程"
WORDS = [*sorted({a + b for a in HAN for b in HAN if a != b})[:260],
         "Alpha", "BETA", "gamma", "Straße", "OK"]
REGEXES = [r"\d{3}", r"A[a-z]+", r"采购.{0,4}合同", r"(?i)beta", r"^审计", r"\p{Han}{9}",
           r"[0-9]+元", r"资金$", r"ss"]
THRESHOLDS = [0, 1000, 5000, 9999.99, 10000, 50000, 50000.01, 99999.99]


def _rule(rng: random.Random, number: int) -> dict[str, Any]:
    when: dict[str, Any] = {}
    if rng.random() < 0.3:
        when["channels"] = rng.sample(["api", "audit", "petition"], rng.randint(1, 2))
    if rng.random() < 0.3:
        when["departments"] = rng.sample(DEPARTMENTS, rng.randint(1, 2))
    if rng.random() < 0.9:
        text: dict[str, Any] = {"any": rng.sample(WORDS, rng.randint(1, 3))}
        if rng.random() < 0.15:
            text["all"] = rng.sample(WORDS[:40], 1)
        if rng.random() < 0.2:
            text["none"] = rng.sample(WORDS, 2)
        if rng.random() < 0.1:
            text = {"regex": [rng.choice(REGEXES)]}
        when["text"] = text
    if rng.random() < 0.3 or not when:
        op, threshold = rng.choice(["gt", "gte", "lt", "lte"]), rng.choice(THRESHOLDS)
        if (op, threshold) == ("lt", 0):
            op = "lte"  # `lt: 0` is refused: no amount can match it
        when["amount"] = {op: threshold}
    if rng.random() < 0.3:
        when["repeat"] = {"count": rng.randint(2, 3), "days": rng.choice([1, 7, 30, 90]),
                          "subject": rng.choice(["person", "post", "department"])}
    rule: dict[str, Any] = {"id": f"r{number:04d}", "name": f"规则{number}",
                            "risk_point": rng.choice(list(LEVELS)),
                            "severity": rng.randint(1, 3), "when": when}
    mode = rng.random()
    if mode < 0.1:
        rule["mode"] = "monitor"
    elif mode < 0.13:
        rule["mode"] = "off"
    if rng.random() < 0.2:
        rule["response"] = rng.choice(["reminder", "talk", "admonition", "rectification"])
    return rule


def _signal(rng: random.Random, number: int, start: datetime) -> dict[str, Any]:
    words = rng.sample(WORDS, rng.randint(3, 8))
    signal: dict[str, Any] = {
        "channel": rng.choice(CHANNELS), "external_id": f"D-{number}",
        "title": "".join(words[:2]), "text": " ".join(words[2:]) + rng.choice(["", " 123元"]),
    }
    if rng.random() < 0.8:
        signal["department"] = rng.choice(DEPARTMENTS)
    if rng.random() < 0.6:
        signal["person"] = rng.choice("张李王赵钱孙周吴郑冯陈褚") + "某"
    if rng.random() < 0.3:
        signal["post"] = rng.choice(["出纳", "采购员", "司机"])
    if rng.random() < 0.6:
        # At most two decimals: intake refuses more (issue 10) rather than round them.
        signal["amount"] = str(rng.choice([Decimal(rng.randint(0, 12_000_000)) / 100,
                                           Decimal(rng.randint(0, 1_200_000)) / 10,
                                           *map(Decimal, map(str, THRESHOLDS))]))
    if rng.random() < 0.7:
        moment = start - timedelta(days=rng.uniform(0, 200))
        signal["occurred_at"] = moment.isoformat()
    return signal


@pytest.fixture
def generated(tmp_path: Path) -> tuple[Path, list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(20261201)
    rules = [_rule(rng, n) for n in range(RULES)]
    start = datetime.now(UTC)
    signals = [_signal(rng, n, start) for n in range(SIGNALS)]
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(Path(__file__).parents[2] / "rules" / "grading.yaml", folder / "grading.yaml")
    (folder / "generated.yaml").write_text(
        yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8")
    return folder, rules, signals


@pytest.fixture
def runtime(db_url: str, generated: tuple[Path, list[Any], list[Any]]) -> Iterator[Runtime]:
    yield from seeded_runtime(db_url, generated[0])


def test_engine_agrees_with_the_reference_on_every_hit_grade_and_deadline(
    runtime: Runtime, generated: tuple[Path, list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    _folder, rules, signals = generated
    base = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    ids: list[int] = []
    for start in range(0, len(signals), BATCH):
        moment = base + timedelta(hours=start)
        runtime.intake.clock = lambda moment=moment: moment
        outcomes = runtime.intake.ingest(
            [SignalIn.model_validate(s) for s in signals[start : start + BATCH]])
        assert all(o.created and o.status == "evaluated" for o in outcomes)
        ids.extend(o.signal_id for o in outcomes if o.signal_id is not None)
    reference = Reference(rules, LEVELS)
    with runtime.sessions() as session:
        stored = dict(session.execute(
            select(Signal.id, Signal.occurred_at).where(Signal.occurred_at.is_not(None))).all())
        received = dict(session.execute(select(Signal.id, Signal.received_at)).all())
        for number, (signal, signal_id) in enumerate(zip(signals, ids, strict=True)):
            now = base + timedelta(hours=(number // BATCH) * BATCH)
            at = stored.get(signal_id) or received[signal_id]
            reference.evaluate(signal_id, signal, at, now)
        engine_hits: dict[int, set[str]] = {i: set() for i in ids}
        for signal_id, rule_id in session.execute(select(RuleHit.signal_id, RuleHit.rule_id)):
            engine_hits[signal_id].add(rule_id)
        engine = _engine_warnings(session)
    assert sum(map(len, reference.hits.values())) > 5 * SIGNALS  # the test has teeth
    mismatched = [i for i in ids if engine_hits[i] != reference.hits[i]]
    assert mismatched == [], [(i, engine_hits[i] ^ reference.hits[i]) for i in mismatched[:5]]
    expected = {
        (w.risk_point, frozenset(w.signals)): (
            w.response, w.rule_id, w.rule_ids, w.repeat_count, *_dues(w.response, w.graded_at))
        for w in reference.warnings.values()
    }
    assert len(expected) > 100 and any(v[3] > 1 for v in expected.values())
    assert set(engine) == set(expected)
    wrong = {k: (engine[k], v) for k, v in expected.items() if engine[k] != v}
    assert wrong == {}, list(wrong.items())[:5]


def _dues(response: str, moment: datetime) -> tuple[datetime, datetime]:
    receive, report, kind = DEADLINES[response]
    calendar = default_calendar()
    return due_at(moment, receive, kind, calendar), due_at(moment, report, kind, calendar)


def _engine_warnings(session: Any) -> dict[tuple[str, frozenset[int]], tuple[Any, ...]]:
    signals: dict[int, set[int]] = {}
    for warning_id, signal_id in session.execute(
        select(WarningSignal.warning_id, WarningSignal.signal_id)
    ):
        signals.setdefault(warning_id, set()).add(signal_id)
    rows = session.execute(
        select(RiskWarning, RiskPoint.code, HandlingRecord.receive_due_at,
               HandlingRecord.report_due_at)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
    )
    return {
        (code, frozenset(signals[w.id])): (w.response, w.rule_id, list(w.rule_ids),
                                           w.repeat_count, receive, report)
        for w, code, receive, report in rows
    }
