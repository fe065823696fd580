"""Walk every record's event chain and report the first broken link of each."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import HandlingEvent
from warning.domain.chain import HASHED_FIELDS, event_hash


@dataclass(frozen=True)
class BrokenLink:
    """The first event of a record whose chain does not hold."""

    record_id: int
    seq: int
    reason: str


def verify_chains(session: Session, batch: int = 5000) -> list[BrokenLink]:
    """Recompute every event hash in order; return the first broken link per record."""
    columns = [getattr(HandlingEvent, name) for name in HASHED_FIELDS]
    stmt = (
        select(*columns, HandlingEvent.prev_hash, HandlingEvent.hash)
        .order_by(HandlingEvent.record_id, HandlingEvent.seq)
        .execution_options(yield_per=batch)
    )
    broken: list[BrokenLink] = []
    current, expected_seq, prev, failed = None, 1, "", False
    for row in session.execute(stmt).mappings():
        if row["record_id"] != current:
            current, expected_seq, prev, failed = row["record_id"], 1, "", False
        if failed:
            continue
        reason = _check(row, expected_seq, prev)
        if reason:
            broken.append(BrokenLink(row["record_id"], row["seq"], reason))
            failed = True
        expected_seq, prev = row["seq"] + 1, row["hash"]
    return broken


def _check(row: dict, expected_seq: int, prev: str) -> str:  # type: ignore[type-arg]
    if row["seq"] != expected_seq:
        return f"序号不连续：应为 {expected_seq} (seq gap)"
    if row["prev_hash"] != prev:
        return "prev_hash 与上一事件不符 (prev_hash mismatch)"
    if event_hash(row, prev) != row["hash"]:
        return "内容与哈希不符，事件被改动 (hash mismatch: event altered)"
    return ""
