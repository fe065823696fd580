"""ORM models, one module per noun; importing this package registers every table."""

from warning.db.models.base import Base
from warning.db.models.channels import Channel
from warning.db.models.feeds import FeedEntry, ScanRun
from warning.db.models.id_counters import IdCounter
from warning.db.models.leases import Lease
from warning.db.models.org import Department, Person, Post, Unit
from warning.db.models.outbox import Delivery, Notice
from warning.db.models.petitions import (
    PetitionFile,
    RateLimit,
    Reporter,
    ReporterReveal,
    SignalBand,
    SignalLink,
)
from warning.db.models.register import Category, RiskPoint
from warning.db.models.review import ReviewDecision, ReviewSnapshot, RiskPointChange
from warning.db.models.rule_reloads import RuleBookInForce, RuleReload
from warning.db.models.security import LoginFailure, LoginLock, SecurityEvent, StoredSecret
from warning.db.models.signals import RuleHit, Signal
from warning.db.models.users import ApiToken, SupervisedDepartment, User
from warning.db.models.warnings import HandlingEvent, HandlingRecord, RiskWarning, WarningSignal

__all__ = [
    "ApiToken",
    "Base",
    "Category",
    "Channel",
    "Delivery",
    "Department",
    "FeedEntry",
    "HandlingEvent",
    "HandlingRecord",
    "IdCounter",
    "Lease",
    "LoginFailure",
    "LoginLock",
    "Notice",
    "Person",
    "PetitionFile",
    "Post",
    "RateLimit",
    "Reporter",
    "ReporterReveal",
    "ReviewDecision",
    "ReviewSnapshot",
    "RiskPoint",
    "RiskPointChange",
    "RiskWarning",
    "RuleBookInForce",
    "RuleHit",
    "RuleReload",
    "ScanRun",
    "SecurityEvent",
    "Signal",
    "SignalBand",
    "SignalLink",
    "StoredSecret",
    "SupervisedDepartment",
    "Unit",
    "User",
    "WarningSignal",
]
