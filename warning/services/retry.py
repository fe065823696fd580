"""The retry job: evaluate signals left `received` or `failed`, in small claimed batches.

Each pass claims the next few signals due (never one another process holds, so never one
being evaluated at that moment), evaluates the never-tried ones together and each one that
failed before alone. A failure pushes a signal's next attempt back (exponential backoff) and
after `max_attempts` makes it `dead`, so the batch behind it goes on; nothing starves.
"""

import logging
import time
from dataclasses import dataclass

from sqlalchemy import select

from warning.db.models import Signal
from warning.db.value_list import among
from warning.services.evaluation_claims import claim_due
from warning.services.intake import Intake

log = logging.getLogger(__name__)


@dataclass
class RetryRun:
    """What one run of the retry job did."""

    tried: int = 0
    failed: int = 0


def retry_due(intake: Intake, *, budget_s: float | None = 45.0, limit: int = 10_000) -> RetryRun:
    """Evaluate due signals batch by batch until none is due, `limit` or the time budget."""
    run = RetryRun()
    started = time.monotonic()
    while run.tried < limit:
        if budget_s is not None and time.monotonic() - started > budget_s:
            break
        with intake.sessions() as session, session.begin():
            ids = claim_due(session, intake.policy, intake.clock())
            tried_before = set(session.scalars(
                select(Signal.id).where(among(Signal.id, ids), Signal.attempts > 0)))
        if not ids:
            break
        run.tried += len(ids)
        fresh = [i for i in ids if i not in tried_before]
        if fresh and not intake.evaluate_claimed(fresh):
            run.failed += len(fresh)  # released for the next pass, each then alone
        for signal_id in sorted(tried_before):
            if not intake.evaluate_claimed([signal_id]):
                run.failed += 1
    if run.tried:
        log.debug("retry job: %d signal(s) tried, %d failed", run.tried, run.failed)
    return run
