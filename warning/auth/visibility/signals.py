"""Which signals a principal sees, and how much of a confidential one (信访举报)."""

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select

from warning.auth.principal import Principal
from warning.auth.visibility.departments import S, department_clause
from warning.db.models import Channel, Signal
from warning.domain.lifecycle import Role

# A confidential channel's (信访举报) text is for the office alone: reviewers see that the
# signal exists and its particulars, handlers and leaders do not see it at all.
CONFIDENTIAL_TEXT_READERS = (Role.OFFICE, Role.ADMIN)

REDACTED_TEXT = "（保密渠道内容，已隐去）"


def hidden_signals_note(count: int) -> str:
    """Return the timeline line that stands for `count` confidential signals kept from a user."""
    return f"保密渠道信息 {count} 条（内容由纪检部门掌握）"


def sees_confidential_signals(principal: Principal | None) -> bool:
    """Return whether `principal` may know that a confidential channel's signal exists."""
    return principal is None or principal.reads_all


def sees_cases(principal: Principal | None) -> bool:
    """Return whether `principal` may see near-duplicate cases (重复信访): their list, and a
    signal's case and case size in an export. Only confidential channels' signals are
    linked into cases, so the readers of those signals."""
    return sees_confidential_signals(principal)


def sees_every_signal(principal: Principal | None) -> bool:
    """Return whether no signal is kept from `principal` (no department or channel limit)."""
    return principal is None or principal.reads_all


def confidential_channel_ids() -> Select[tuple[int]]:
    """Return a subquery of the confidential channels' ids."""
    return select(Channel.id).where(Channel.confidential.is_(True))


def visible_signals(stmt: S, principal: Principal | None, signal: Any = Signal) -> S:
    """Keep the signals of `principal`'s departments; confidential channels only for readers-all.

    `signal` may be an alias of Signal, for queries that read signals twice.
    """
    stmt = stmt.where(department_clause(principal, signal.department_id))
    if not sees_confidential_signals(principal):
        stmt = stmt.where(signal.channel_id.not_in(confidential_channel_ids()))
    return stmt


def timeline_hides(principal: Principal | None, signal: Any = Signal) -> ColumnElement[bool]:
    """Return the condition that a timeline entry's signal is kept from `principal`."""
    if sees_confidential_signals(principal):
        return false()
    return signal.channel_id.in_(confidential_channel_ids())


def visible_timeline(stmt: S, principal: Principal | None) -> S:
    """Keep the timeline entries (WarningSignal joined to Signal) `principal` may read."""
    return stmt.where(~timeline_hides(principal))


def reads_confidential_text(principal: Principal | None) -> bool:
    """Return whether `principal` may read a confidential signal's text (None: the CLI)."""
    return principal is None or principal.role in CONFIDENTIAL_TEXT_READERS


def readable_text(principal: Principal | None, *, confidential: bool, text: str) -> str:
    """Return a signal's text as `principal` may read it, redacted on a confidential channel."""
    return text if not confidential or reads_confidential_text(principal) else REDACTED_TEXT
