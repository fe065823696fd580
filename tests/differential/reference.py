"""A reference evaluator written from rules/README.md alone (it imports nothing of warning.rules).

It reads rules as the plain dicts a rule file holds and signals as plain dicts, and says
which rules hit each signal and which warnings result, with their grades and deadlines.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import re2

ORDER = ["reminder", "talk", "admonition", "rectification"]
# rules/README.md, "Grading policy": the shipped rules/grading.yaml
MATRIX = {
    "high": {1: "talk", 2: "admonition", 3: "rectification"},
    "medium": {1: "reminder", 2: "talk", 3: "admonition"},
    "low": {1: "reminder", 2: "reminder", 3: "talk"},
}
REPEAT_STEPS = [(2, 1), (3, 2)]
DEADLINES = {
    "reminder": (3, 15, "working"), "talk": (3, 10, "working"),
    "admonition": (2, 10, "working"), "rectification": (1, 30, "calendar"),
}


def raised(response: str, count: int) -> str:
    """The response raised by the largest `steps` whose `from` the count reached, capped."""
    steps = max((s for f, s in REPEAT_STEPS if count >= f), default=0)
    return ORDER[min(len(ORDER) - 1, ORDER.index(response) + steps)]


def stored_amount(value: Any) -> Decimal | None:
    """Amounts are compared as stored: 2 places, half away from zero."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def conditions_hold(rule: dict[str, Any], signal: dict[str, Any]) -> bool:
    """Whether every given condition of a rule holds for a signal (repeat aside)."""
    when = rule["when"]
    if "channels" in when and signal["channel"] not in when["channels"]:
        return False
    if "departments" in when and signal.get("department") not in when["departments"]:
        return False
    if "text" in when:
        haystack = f"{signal.get('title', '')}\n{signal.get('text', '')}"
        folded = haystack.casefold()
        text = when["text"]
        if "any" in text and not any(w.casefold() in folded for w in text["any"]):
            return False
        if "all" in text and not all(w.casefold() in folded for w in text["all"]):
            return False
        if "none" in text and any(w.casefold() in folded for w in text["none"]):
            return False
        if "regex" in text and not any(re2.search(p, haystack) for p in text["regex"]):
            return False
    if "amount" in when:
        amount = stored_amount(signal.get("amount"))
        if amount is None:
            return False
        tests = {"gt": amount.__gt__, "gte": amount.__ge__, "lt": amount.__lt__,
                 "lte": amount.__le__}
        if not all(tests[op](Decimal(str(bound))) for op, bound in when["amount"].items()):
            return False
    return True


Subject = tuple[str, str | None, str | None]  # kind, department, name


def subject_of(rule: dict[str, Any], signal: dict[str, Any]) -> Subject | None:
    """The subject a rule's hit is about; None for a repeat rule whose subject is absent."""
    department = signal.get("department")
    repeat = rule["when"].get("repeat")
    if not repeat and not (department or signal.get("person") or signal.get("post")):
        return ("signal", signal["external_id"], None)  # about nobody known: its own subject
    kind = repeat["subject"] if repeat else (
        "person" if signal.get("person") else "post" if signal.get("post") else "department")
    name = {"person": signal.get("person"), "post": signal.get("post"),
            "department": department}[kind]
    if repeat and not name:
        return None
    return (kind, department, None if kind == "department" else name)


@dataclass
class Warning:
    """A warning as the reference sees it."""

    risk_point: str
    response: str
    base: str
    severity: int
    rule_id: str
    rule_ids: list[str]
    repeat_count: int
    graded_at: datetime  # when its deadlines were last counted from
    signals: list[int] = field(default_factory=list)

    @property
    def deadlines(self) -> tuple[int, int, str]:
        return DEADLINES[self.response]


@dataclass
class Reference:
    """Evaluate signals in order against rules, as rules/README.md says."""

    rules: list[dict[str, Any]]
    levels: dict[str, str]  # risk point code -> level
    hits: dict[int, set[str]] = field(default_factory=dict)
    warnings: dict[tuple[str, Subject], Warning] = field(default_factory=dict)
    _times: dict[tuple[str, Subject], list[datetime]] = field(default_factory=dict)

    def evaluate(self, number: int, signal: dict[str, Any], at: datetime,
                 now: datetime) -> None:
        """Evaluate one signal that counts at `at`, decided at `now`."""
        groups: dict[tuple[str, Subject], list[tuple[dict[str, Any], int]]] = {}
        self.hits[number] = set()
        for rule in self.rules:
            mode = rule.get("mode", "active")
            if mode == "off" or not conditions_hold(rule, signal):
                continue
            subject = subject_of(rule, signal)
            if subject is None:
                continue
            self.hits[number].add(rule["id"])
            repeat = rule["when"].get("repeat")
            count = 1
            if repeat:
                times = self._times.setdefault((rule["id"], subject), [])
                since = at - timedelta(days=repeat["days"])
                count = 1 + sum(1 for t in times if since <= t <= at)
                times.append(at)
            if mode != "active" or (repeat and count < repeat["count"]):
                continue
            groups.setdefault((rule["risk_point"], subject), []).append((rule, count))
        for key, fired in groups.items():
            self._decide(key, fired, number, now)

    def _base(self, rule: dict[str, Any]) -> str:
        return rule.get("response") or MATRIX[self.levels[rule["risk_point"]]][
            rule.get("severity", 1)]

    def _heaviest(self, fired: list[tuple[dict[str, Any], int]], n: int) -> tuple[str, str]:
        best: tuple[int, int] | None = None
        winner = ("", "")
        for rule, count in fired:
            response = raised(self._base(rule), max(count, n))
            rank = (ORDER.index(response), rule.get("severity", 1))
            if best is None or rank > best:
                best, winner = rank, (rule["id"], response)
        return winner

    def _decide(self, key: tuple[str, Subject], fired: list[tuple[dict[str, Any], int]],
                number: int, now: datetime) -> None:
        ids = [rule["id"] for rule, _ in fired]
        bases = [self._base(rule) for rule, _ in fired]
        warning = self.warnings.get(key)
        if warning is None:
            rule_id, response = self._heaviest(fired, 1)
            self.warnings[key] = Warning(
                key[0], response, max(bases, key=ORDER.index),
                max(rule.get("severity", 1) for rule, _ in fired), rule_id, ids, 1, now,
                [number])
            return
        warning.repeat_count += 1
        n = warning.repeat_count
        warning.signals.append(number)
        _rule_id, joined = self._heaviest(fired, n)
        candidate = max(raised(warning.base, n), joined, key=ORDER.index)
        warning.base = max([warning.base, *bases], key=ORDER.index)
        warning.rule_ids = list(dict.fromkeys([*warning.rule_ids, *ids]))
        if ORDER.index(candidate) > ORDER.index(warning.response):
            warning.response = candidate
            warning.graded_at = now
