"""PostgreSQL: store an import's signals and evaluate them in the same transaction.

Stored first and evaluated after (as intake does), every signal is written twice: COPYed
`received`, then updated `evaluated`. On PostgreSQL the update of an indexed column
(status) writes a new version of the row and new entries in every index, the two trigram
GIN indexes of the search box (0007j) included, so marking 20,000 signals evaluated took
twice as long as COPYing them (bench/import_copy_bench.py, bench/RESULTS.md session 6).

Here each row is matched while it is read and COPYed already `evaluated`, in the one
transaction the import already was; the signals that fired a rule (or are petitions, which
are linked to their near duplicates) are evaluated in that transaction too, a batch at a
time, each batch in a savepoint. Nothing is lost: a batch whose evaluation fails is rolled
back to its savepoint and its signals are stored `failed` for the retry job, as intake
stores them; a process killed before the commit stored nothing, and the file is run
again. The price: the warnings a batch raises or joins stay locked until the import
commits, so an API signal joining one of them waits for the import.

The COPY stays open across chunks (warning.db.copy_stream.CopyStream): the server inserts one
chunk while this process reads and matches the next. Ids come from the sequence on a
second connection, as the COPY holds the first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warning.db.copy_stream import CopyStream
from warning.db.models import Signal
from warning.db.value_list import among
from warning.domain.enums import SignalStatus
from warning.gc_pause import gc_paused
from warning.rules.evaluator import RuleMatch
from warning.runtime import Runtime
from warning.services.directory import Directory
from warning.services.evaluation_claims import record_failure
from warning.services.intake import Intake, log_failure
from warning.services.rules_in_force import RulesInForce
from warning.services.signal_rows import StoredRow, existing_ids

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
Chunks = Callable[[Directory], Iterable[list[dict[str, Any]]]]
TAKE_IDS = text("SELECT nextval(pg_get_serial_sequence('signals', 'id')) "
                "FROM generate_series(1, :n)")


class AlreadyStoredError(Exception):
    """A row of the file is stored already (the COPY would fail on the unique index)."""


@dataclass
class Tally:
    """What an import stored and evaluated."""

    rows: int = 0
    failed: int = 0
    warnings: int = 0


@dataclass
class _Batch:
    """The signals of an import that evaluation must still write for (matches, petitions)."""

    signals: list[StoredRow]
    matches: list[list[RuleMatch]] | None  # None: matching failed; the batch tries again


def store_evaluated(
    runtime: Runtime, chunks: Chunks, *, batch: int = 1000, progress: Progress | None = None,
) -> Tally | None:
    """Store every row new and evaluated, all or nothing; None if a row is stored already.

    `chunks(directory)` yields the rows as `signal_row` makes them. On None nothing was
    stored: the caller stages the rows instead (warning.services.import_staging).
    """
    from psycopg.errors import UniqueViolation

    intake = runtime.intake
    try:
        with runtime.engine.connect() as side, runtime.sessions() as session, \
                session.begin():
            directory = intake.directory(session)
            run = _Run(intake, session, intake.rules(), directory, side, batch)
            try:
                for rows in chunks(directory):
                    run.add(rows)
                    if progress is not None:
                        progress(len(rows))
                run.finish()
            except BaseException as error:
                run.abort(error)  # end an open COPY, so the rollback can be sent
                raise
            return run.tally
    except AlreadyStoredError:
        return None
    except (UniqueViolation, IntegrityError) as error:  # the COPY's: evaluation's are caught
        if not isinstance(getattr(error, "orig", error), UniqueViolation):
            raise
        return None


class _Run:
    """One import's COPY and the evaluation batches between its pieces."""

    def __init__(self, intake: Intake, session: Session, rules: RulesInForce,
                 directory: Directory, side: Connection, batch: int) -> None:
        self.intake, self.session, self.rules, self.directory = intake, session, rules, directory
        self.side, self.batch = side, batch
        self.copy: CopyStream | None = None
        self.waiting = _Batch([], [])
        self.tally = Tally()

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Match and COPY a chunk of rows; evaluate the waiting batch once it is full."""
        if self.copy is None and self.tally.rows == 0 and existing_ids(
                self.session, [(r["channel_id"], r["external_id"]) for r in rows]):
            raise AlreadyStoredError  # a re-run, found before the whole file is COPYed
        ids = self.side.execute(TAKE_IDS, {"n": len(rows)}).scalars().all()
        self.side.commit()
        stored = []
        for row, signal_id in zip(rows, ids, strict=True):
            row["id"] = signal_id
            row["status"] = SignalStatus.EVALUATED.value
            row["rule_book"] = self.rules.book
            stored.append(StoredRow.of(signal_id, row))
        started = time.perf_counter()
        try:
            matches: list[list[RuleMatch]] | None = self.intake.match(
                stored, self.rules, self.directory)
        except Exception as error:
            log_failure(f"matching failed for {len(stored)} imported signal(s)", error)
            matches = None
        if self.copy is None:
            self.copy = CopyStream(self.session.connection(), Signal.__table__, list(rows[0]))
        self.copy.write(rows)
        self._wait(stored, matches)
        self.tally.rows += len(rows)
        if self.intake.on_evaluated is not None:
            self.intake.on_evaluated(time.perf_counter() - started, len(rows))
        if len(self.waiting.signals) >= self.batch:
            self._evaluate_waiting()

    def abort(self, error: BaseException) -> None:
        """Discard an open COPY after `error`."""
        if self.copy is not None:
            self.copy.abort(error)

    def finish(self) -> None:
        """End the COPY and evaluate what still waits."""
        self._evaluate_waiting()

    def _wait(self, stored: list[StoredRow], matches: list[list[RuleMatch]] | None) -> None:
        if matches is None or self.waiting.matches is None:  # a failed chunk stays whole
            self._evaluate_waiting()
            if matches is None:
                self.waiting = _Batch(stored, None)
                return
        waiting = self.waiting
        for signal, found in zip(stored, matches, strict=True):
            if found or self.intake.needs_session(signal, self.directory):
                waiting.signals.append(signal)
                waiting.matches.append(found)  # type: ignore[union-attr]

    def _evaluate_waiting(self) -> None:
        if self.copy is not None:
            self.copy.close()  # the connection is free for evaluation's statements
        batch, self.waiting = self.waiting, _Batch([], [])
        if not batch.signals:
            return
        session = self.session
        try:
            with gc_paused(), session.begin_nested():
                raised = self.intake.evaluate_in(session, batch.signals, rules=self.rules,
                                                 matches=batch.matches)
        except Exception as error:
            log_failure(f"evaluation failed for {len(batch.signals)} imported signal(s); "
                        "marked for retry", error)
            self._fail([s.id for s in batch.signals], f"{type(error).__name__}: {error}")
            return
        self.tally.warnings += len({r.warning.id for found in raised.values() for r in found
                                    if r.new})

    def _fail(self, ids: list[int], error: str) -> None:
        """Store these signals failed, as intake's failed evaluation leaves them."""
        self.session.execute(update(Signal).where(among(Signal.id, ids))
                             .values(status=SignalStatus.RECEIVED.value)
                             .execution_options(synchronize_session=False))
        record_failure(self.session, ids, error[:2000], self.intake.policy, self.intake.clock())
        self.tally.failed += len(ids)
