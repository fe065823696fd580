"""The office's decision on a signal that needs no warning: 不予处理, or a duplicate of another.

Kept on the signal (who, when, why); a signal decided once is not decided again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_signals
from warning.db.models import Signal
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import Action
from warning.triage.decisions import require_office
from warning.triage.errors import MAX_ID, TriageInvalid, invalid, reason

DISMISSED = "dismissed"
DUPLICATE = "duplicate"
DISPOSITION_LABELS = {DISMISSED: "不予处理", DUPLICATE: "重复信号"}


class SignalNotFound(TriageInvalid):
    code = "not_found"


@dataclass(frozen=True)
class Disposed:
    """A signal after the office's decision."""

    signal_id: int
    disposition: str
    duplicate_of: int | None


def _visible(session: Session, principal: Principal, signal_id: int) -> Signal | None:
    if not 0 < signal_id <= MAX_ID:
        return None
    return session.scalars(visible_signals(select(Signal).where(Signal.id == signal_id),
                                           principal).with_for_update()).first()


def _undecided(session: Session, principal: Principal, signal_id: int) -> Signal:
    signal = _visible(session, principal, signal_id)
    if signal is None:
        raise SignalNotFound(f"信号 {signal_id} 不存在", f"signal {signal_id} not found")
    if signal.disposition:
        label = DISPOSITION_LABELS.get(signal.disposition, signal.disposition)
        raise invalid("disposition", f"该信号已标记为“{label}”，未作更改",
                      f"signal already {signal.disposition}")
    return signal


def dismiss_signal(
    session: Session, *, signal_id: int, principal: Principal, comment: str,
    now: datetime | None = None,
) -> Disposed:
    """Mark a signal 不予处理 with the office's reason."""
    require_office(principal, Action.DISMISS)
    signal = _undecided(session, principal, signal_id)
    text = reason(comment, label="不予处理的理由")
    _decide(signal, DISMISSED, text, None, principal, now)
    return Disposed(signal.id, DISMISSED, None)


def mark_duplicate(
    session: Session, *, signal_id: int, principal: Principal, of: str, comment: str = "",
    now: datetime | None = None,
) -> Disposed:
    """Mark a signal a duplicate of another signal the office sees."""
    require_office(principal, Action.DISMISS)
    signal = _undecided(session, principal, signal_id)
    of = of.strip().lstrip("#")
    if not (of.isascii() and of.isdigit()):
        raise invalid("duplicate_of", "请填写重复的原信号编号（数字）",
                      "duplicate_of must be an id")
    number = parse_int(of)
    original = _visible(session, principal, number) if number is not None else None
    if original is None:
        raise invalid("duplicate_of", f"信号 #{of} 不存在", f"signal {of} not found")
    if original.id == signal.id:
        raise invalid("duplicate_of", "不能标记为与自身重复", "a signal cannot duplicate itself")
    if original.duplicate_of_id == signal.id:
        raise invalid("duplicate_of", f"信号 #{original.id} 已标记为与本信号重复",
                      "the original is a duplicate of this signal")
    text = reason(comment, required=False, label="说明")
    _decide(signal, DUPLICATE, text, original.id, principal, now)
    return Disposed(signal.id, DUPLICATE, original.id)


def _decide(
    signal: Signal, disposition: str, text: str, duplicate_of: int | None,
    principal: Principal, now: datetime | None,
) -> None:
    signal.disposition, signal.disposition_reason = disposition, text
    signal.duplicate_of_id, signal.disposed_by = duplicate_of, principal.actor
    signal.disposed_at = (now or datetime.now(UTC)).astimezone(UTC)
