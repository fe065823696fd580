"""The rules in force: loaded from rules/, checked against the register, swapped whole."""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import Channel, RiskPoint
from warning.domain.grading import GradingPolicy
from warning.rules.evaluator import Evaluator
from warning.rules.loader import Problem, RuleBook, RuleBookError, load_rulebook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InForce:
    """One consistent snapshot: the rule book, its evaluator and grading policy."""

    rulebook: RuleBook
    evaluator: Evaluator

    @property
    def grading(self) -> GradingPolicy:
        return self.rulebook.grading


class NoRulesError(RuntimeError):
    """No rules have been loaded yet."""


class RuleService:
    """Hold the rules in force; a reload that fails keeps them."""

    def __init__(self, rules_dir: Path, sessions: sessionmaker[Session]) -> None:
        self._dir = rules_dir
        self._sessions = sessions
        self._lock = threading.Lock()
        self._in_force: InForce | None = None

    def known_refs(self) -> tuple[set[str], set[str]]:
        """Return the risk point codes and channel ids rules may name."""
        with self._sessions() as session:
            points = set(session.scalars(select(RiskPoint.code)))
            channels = set(session.scalars(select(Channel.code)))
        return points, channels

    def check(self) -> tuple[RuleBook | None, list[Problem]]:
        """Load the rule files without putting them in force."""
        points, channels = self.known_refs()
        try:
            return load_rulebook(self._dir, risk_points=points, channels=channels), []
        except RuleBookError as error:
            return None, list(error.problems)

    def load(self) -> list[Problem]:
        """Load the rule files; on any problem keep the rules in force and return them."""
        rulebook, problems = self.check()
        if rulebook is None:
            log.error("rule files refused, %d problem(s); previous rules stay", len(problems))
            return problems
        in_force = InForce(rulebook, Evaluator(rulebook))
        with self._lock:
            self._in_force = in_force
        log.info("rules in force: %d", len(rulebook.rules))
        return []

    def current(self) -> InForce:
        """Return the rules in force."""
        in_force = self._in_force
        if in_force is None:
            raise NoRulesError("尚未载入规则 (no rules loaded): 运行 qingfeng rules check")
        return in_force

    def describe(self) -> list[dict[str, object]]:
        """List the rules in force for the API."""
        if self._in_force is None:
            return []
        return [
            {
                "id": r.id,
                "name": r.name,
                "risk_point": r.risk_point,
                "mode": r.mode.value,
                "severity": r.severity,
                "file": r.file,
                "version": r.version,
            }
            for r in self._in_force.rulebook.rules
        ]
