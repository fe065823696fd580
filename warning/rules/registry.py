"""Hold the rules in force; a reload swaps them only when the files load cleanly."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from warning.rules.engine import ShardHost
from warning.rules.evaluator import Evaluator
from warning.rules.loader import RuleBook, load_rulebook
from warning.rules.problems import Problem, RuleBookError

KnownRefs = Callable[[], tuple[set[str] | None, set[str] | None]]


@dataclass(frozen=True)
class Loaded:
    """One consistent snapshot: a rule book and its evaluator."""

    rulebook: RuleBook
    evaluator: Evaluator


class RuleRegistry:
    """The current rule book and evaluator, replaced whole and thread-safely."""

    def __init__(
        self, rules_dir: Path, *, known_refs: KnownRefs = lambda: (None, None),
        host: ShardHost | None = None,
    ) -> None:
        self._dir = rules_dir
        self._known_refs = known_refs
        self._host = host
        self._lock = threading.Lock()
        self._current: Loaded | None = None

    def reload(self) -> list[Problem]:
        """Load the rule files; on success put them in force, else keep the old and report."""
        risk_points, channels = self._known_refs()
        try:
            rulebook = load_rulebook(self._dir, risk_points=risk_points, channels=channels)
        except RuleBookError as error:
            return list(error.problems)
        loaded = Loaded(rulebook, Evaluator(rulebook, host=self._host))
        with self._lock:
            self._current = loaded
        return []

    def current(self) -> Loaded | None:
        """Return the snapshot in force, or None before the first successful load."""
        with self._lock:
            return self._current
