"""Build the notices of one record's change (return, closure, withdrawal)."""

from datetime import datetime
from typing import Any

from warning.notify.messages import WarningFacts, render
from warning.notify.outbox import OFFICE, department_audience, notice_row


def change_notices(
    *,
    kind: str,
    facts: WarningFacts,
    department_id: int | None,
    record_id: int,
    seq: int,
    now: datetime,
    extra: str = "",
    office_too: bool = False,
) -> list[dict[str, Any]]:
    """Return the notice rows for a change of `kind`, keyed by the event's `seq` as the
    department reads it (warning.auth.numbering): the key reaches the department, hashed
    into a mail's Message-ID and a webhook's Idempotency-Key. The `d` marks that numbering,
    so no key of a notice written before it (by stored seq) is ever taken again."""
    subject, body = render(kind, facts, extra)
    audiences = [department_audience(department_id)]
    if office_too and OFFICE not in audiences:
        audiences.append(OFFICE)
    return [
        notice_row(record_id=record_id, kind=kind, audience=audience, subject=subject,
                   body=body, level=seq, now=now, key=f"r{record_id}:{kind}:d{seq}:{audience}")
        for audience in audiences
    ]
