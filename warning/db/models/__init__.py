"""ORM models, one module per noun; importing this package registers every table."""

from warning.db.models.base import Base
from warning.db.models.channels import Channel
from warning.db.models.org import Department, Person, Post, Unit
from warning.db.models.register import Category, RiskPoint
from warning.db.models.signals import RuleHit, Signal
from warning.db.models.warnings import HandlingEvent, HandlingRecord, RiskWarning, WarningSignal

__all__ = [
    "Base",
    "Category",
    "Channel",
    "Department",
    "HandlingEvent",
    "HandlingRecord",
    "Person",
    "Post",
    "RiskPoint",
    "RiskWarning",
    "RuleHit",
    "Signal",
    "Unit",
    "WarningSignal",
]
