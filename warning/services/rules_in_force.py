"""What intake needs from the rules in force: an evaluator and the grading policy."""

from typing import Protocol

from warning.domain.grading import GradingPolicy
from warning.rules.evaluator import Evaluator


class RulesInForce(Protocol):
    """A consistent snapshot of the loaded rules."""

    @property
    def evaluator(self) -> Evaluator: ...

    @property
    def grading(self) -> GradingPolicy: ...

    @property
    def book(self) -> str:
        """The digest naming the rule book (recorded on each signal it evaluates)."""
        ...
