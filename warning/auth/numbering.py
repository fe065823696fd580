"""How a principal reads a handling record's event numbers, version and hashes.

A proposal's 研判 trail (its first k events, and the versions its amendments moved the
record through) is the office's (warning.auth.visibility). Those who never see proposals
read the record as if it had been issued at intake: events numbered from 1, the version
counted from 1 at 下达, and each event's hash chained over the events they read, starting
from none, over the warning's number instead of the record's id (shown_events). A record
issued at intake reads with the same numbers for everyone (its bases are 0). The office
reads the stored numbers and hashes, so the chain stays verifiable
(warning.handling.audit).

Every output of a seq or a version (API, pages, forms, conflict messages) goes through a
`Numbering`, and every version a client sends back is turned into the stored one with it
before the optimistic check.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warning.auth.principal import Principal
from warning.auth.visibility import reads_proposals, shown_event_start
from warning.domain.chain import event_hash


@dataclass(frozen=True)
class Numbering:
    """One record's seq and version as one principal reads them."""

    seq_base: int = 0
    version_base: int = 0

    @property
    def renumbers(self) -> bool:
        """Whether what this reader sees differs from what is stored."""
        return bool(self.seq_base or self.version_base)

    def seq(self, stored: int) -> int:
        """Return an event's seq as shown."""
        return stored - self.seq_base

    def version(self, stored: int) -> int:
        """Return the record's version as shown."""
        return stored - self.version_base

    def stored_version(self, shown: int) -> int:
        """Return the stored version a shown one stands for (what a form sends back)."""
        return shown + self.version_base


STORED = Numbering()


def numbering(principal: Principal | None, triage_seq: int, triage_version: int) -> Numbering:
    """Return how `principal` reads a record whose 研判 ended at these (0, 0 without one)."""
    if reads_proposals(principal):
        return STORED
    return Numbering(triage_seq or 0, triage_version or 0)


def record_numbering(principal: Principal | None, record: Any) -> Numbering:
    """Return how `principal` reads `record` (a HandlingRecord, or a row with its bases)."""
    return numbering(principal, record.triage_seq, record.triage_version)


@dataclass(frozen=True)
class ShownEvent:
    """A handling event as its reader may read it."""

    seq: int
    action: str
    from_state: str
    to_state: str
    actor: str
    comment: str
    data: Mapping[str, Any]
    created_at: datetime
    hash: str


def shown_events(
    principal: Principal | None, warning_id: int, rule: Numbering, events: Iterable[Any],
) -> list[ShownEvent]:
    """Return a record's visible events (stored order, none missing in between) as
    `principal` reads them: renumbered, the 下达 of a proposal read as the intake's own.

    Those who never see proposals read every hash chained over the events they read with
    the warning's number (`warning_id`) in place of the record's id. The stored hash is
    sha256 of what they read and the record's id, which a loop over small integers finds,
    and records are numbered in sequence, a proposal's when its petition comes in: their
    gaps would count the 待研判. The office reads the stored hashes (warning.handling.audit).
    """
    stored = reads_proposals(principal)
    shown: list[ShownEvent] = []
    prev = ""
    for e in events:
        from_state, data = shown_event_start(principal, e.from_state, e.data)
        seq = rule.seq(e.seq)
        if stored:
            prev = e.hash
        else:
            prev = event_hash({"warning_id": warning_id, "seq": seq, "action": e.action,
                               "from_state": from_state, "to_state": e.to_state,
                               "actor": e.actor, "comment": e.comment, "data": data or {},
                               "created_at": e.created_at}, prev)
        shown.append(ShownEvent(seq, e.action, from_state, e.to_state, e.actor, e.comment,
                                data or {}, e.created_at, prev))
    return shown


class ShownRecord:
    """A handling record as its reader may read it, for pages: its version in the reader's
    numbers, no 研判 bases, and no stored events (read them with `shown_events`)."""

    HIDDEN = frozenset({"events"})

    def __init__(self, record: Any, rule: Numbering) -> None:
        self._record = record
        self.version = rule.version(record.version)
        self.triage_seq = record.triage_seq if rule is STORED else 0
        self.triage_version = record.triage_version if rule is STORED else 0

    def __getattr__(self, name: str) -> Any:
        if name in self.HIDDEN:
            raise AttributeError(name)
        return getattr(self._record, name)


def shown_record(principal: Principal | None, record: Any) -> ShownRecord:
    """Return `record` as `principal` reads it."""
    return ShownRecord(record, record_numbering(principal, record))
