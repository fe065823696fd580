"""Intake: store each signal first, then evaluate it and raise warnings.

A batch is handled in two transactions. The first stores the signals (so nothing is
lost whatever happens next); the second records rule hits and warnings and marks the
signals evaluated (on SQLite without foreign-key checks: warning.db.unchecked). The
process that stores a signal holds its evaluation lease from the insert on
(warning.services.evaluation_claims); if evaluation fails, the signals are marked
`failed` with the reason and the scheduler's retry job evaluates them again later, each
alone, until it succeeds or is `dead`.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import RiskPoint, RiskWarning, Signal, WarningSignal
from warning.db.models.base import utcnow
from warning.db.models.signals import StoredSignal
from warning.db.unchecked import unchecked_transaction
from warning.db.value_list import among
from warning.dedup.linking import link_near_duplicates, repeat_counts
from warning.domain.enums import SignalStatus
from warning.gc_pause import gc_paused
from warning.rules.engine_process import EngineCrashed
from warning.rules.evaluator import RuleMatch, SignalFacts
from warning.services.directory import Directory
from warning.services.evaluation_claims import (
    EvaluationPolicy,
    claim_ids,
    lease_columns,
    mark_evaluated,
    record_failure,
)
from warning.services.raising import (
    Raised,
    RecordHooks,
    UnknownRiskPointError,
    raise_warnings,
)
from warning.services.rules_in_force import RulesInForce
from warning.services.signal_input import SignalIn
from warning.services.signal_rows import (
    STORED_COLUMNS,
    IntakeError,
    StoredRow,
    existing_ids,
    insert_new,
    signal_row,
)

log = logging.getLogger(__name__)



def log_failure(what: str, error: Exception) -> None:
    """Log a batch whose matching or evaluation failed. The engine child dying is expected
    and handled (engine_process.py), and a rule naming a risk point the register lacks is
    the operator's to fix: their line says why, as a traceback per batch buried an
    import's output. Anything else is a bug and keeps its traceback."""
    if isinstance(error, EngineCrashed | UnknownRiskPointError):
        log.error("%s: %s", what, error)
    else:
        log.error("%s", what, exc_info=error)

@dataclass(frozen=True)
class WarningRef:
    """A warning a signal raised or joined, as answered to the caller."""

    id: int
    rule_id: str
    risk_point: str
    response: str
    new: bool


@dataclass
class IntakeOutcome:
    """What became of one incoming signal."""

    signal_id: int | None = None
    created: bool = False
    status: str = ""
    warnings: list[WarningRef] = field(default_factory=list)
    error: IntakeError | None = None


@dataclass
class Intake:
    """Store and evaluate batches of signals against the rules in force."""

    sessions: sessionmaker[Session]
    rules: Callable[[], RulesInForce]
    hooks: RecordHooks
    clock: Callable[[], datetime] = utcnow
    policy: EvaluationPolicy = field(default_factory=EvaluationPolicy)
    directory_ttl_s: float = 1.0
    # Told each evaluated batch's seconds and size (the /metrics evaluation latency).
    on_evaluated: Callable[[float, int], None] | None = None
    _directory: tuple[float, Directory] | None = field(default=None, init=False, repr=False)

    def directory(self, session: Session) -> Directory:
        """Return channels, departments and risk points, read at most every `directory_ttl_s`.

        Reading them for each small API batch cost as much as storing the batch; a change
        made in another process (a channel disabled, a department renamed) applies within
        the TTL, one made through this runtime at once (`forget_directory`).
        """
        now = time.monotonic()
        cached = self._directory
        if cached is not None and now - cached[0] < self.directory_ttl_s:
            return cached[1]
        directory = Directory.load(session)
        self._directory = (now, directory)
        return directory

    def forget_directory(self) -> None:
        """Read the directory afresh for the next batch."""
        self._directory = None

    def ingest(self, items: Sequence[SignalIn]) -> list[IntakeOutcome]:
        """Store, evaluate and answer a batch, one outcome per item in order."""
        outcomes, fresh = self._store(items)
        decided = (self._evaluate_rows(fresh) if fresh else None) or {}
        self._answer(outcomes, decided)
        return outcomes

    def evaluate(self, signal_ids: Sequence[int]) -> None:
        """Claim and evaluate stored signals; one another process holds is left to it."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            claimed = claim_ids(session, signal_ids, self.policy, now)
        if claimed:
            self.evaluate_claimed(claimed)

    def evaluate_claimed(self, signal_ids: Sequence[int]) -> bool:
        """Evaluate signals this process has claimed; return False if evaluation failed."""
        with self.sessions() as session:
            rows = session.execute(
                select(*STORED_COLUMNS).where(among(Signal.id, signal_ids)).order_by(Signal.id)
            ).all()
        # (no answer to build: nobody waits for these signals' warnings)
        return not rows or self._evaluate_rows(
            rows, answer=False) is not None  # type: ignore[arg-type]

    def _evaluate_rows(
        self, signals: Sequence[StoredSignal], *, answer: bool = True,
    ) -> dict[int, list[WarningRef]] | None:
        """Evaluate claimed signals in one transaction; return each one's warnings (none
        when not asked for `answer`).

        On failure the attempt is recorded for the retry job and None is returned.
        """
        ids = [s.id for s in signals]
        started = time.perf_counter()
        try:
            rules = self.rules()  # one rule book for the batch, recorded on its signals
            with gc_paused(), unchecked_transaction(self.sessions) as session:
                # the answer is built while the collector is still paused and the batch's
                # rows dropped before it resumes: it walks what is alive then (~0.3 s of
                # a dense batch of 1,000 when the rows were still held)
                raised = self._evaluate(session, signals, rules)
                answered = _answer_of(raised) if answer else {}
                del raised
                mark_evaluated(session, ids, book=rules.book)
            if self.on_evaluated is not None:
                self.on_evaluated(time.perf_counter() - started, len(ids))
        except Exception as error:
            log_failure(f"evaluation failed for {len(ids)} signal(s); marked for retry", error)
            with self.sessions() as session, session.begin():
                record_failure(session, ids, f"{type(error).__name__}: {error}"[:2000],
                               self.policy, self.clock())
            return None
        return answered

    def retry_failed(self, limit: int = 500) -> int:
        """Evaluate signals left failed or unevaluated (see warning.services.retry)."""
        from warning.services.retry import retry_due

        return retry_due(self, budget_s=None, limit=limit).tried

    def match(
        self, signals: Sequence[StoredSignal], rules: RulesInForce, directory: Directory,
    ) -> list[list[RuleMatch]]:
        """Return the rules each signal fires (no database: text here, the rest in the
        engine child)."""
        return rules.evaluator.match_many([_facts(s, directory) for s in signals])

    def needs_session(self, signal: StoredSignal, directory: Directory) -> bool:
        """Return whether evaluating a signal that fired no rule still writes: a petition
        is linked to its near duplicates."""
        return directory.channel_by_id[signal.channel_id].confidential

    def evaluate_in(
        self, session: Session, signals: Sequence[StoredSignal], *,
        rules: RulesInForce | None = None, matches: Sequence[Sequence[RuleMatch]] | None = None,
    ) -> dict[int, list[Raised]]:
        """Evaluate signals in the caller's transaction, with their matches if known."""
        return self._evaluate(session, signals, rules, matches)

    def _evaluate(
        self, session: Session, signals: Sequence[StoredSignal],
        rules: RulesInForce | None = None, matches: Sequence[Sequence[RuleMatch]] | None = None,
    ) -> dict[int, list[Raised]]:
        rules = rules or self.rules()
        directory = self.directory(session)
        # Repeat petitions (重复信访) are what near-duplicate linking is for; fingerprinting
        # costs about 1 ms a signal, too much to spend on every feed item and audit row.
        # Matched before the first write: on SQLite that write takes the one writer's gate
        # until commit, and matching (no length limit, an engine round trip) needs none.
        if matches is None:
            matches = self.match(signals, rules, directory)
        petitions = [s for s in signals if self.needs_session(s, directory)]
        repeats: dict[int, int] = {}
        if petitions:
            link_near_duplicates(session, petitions)
            repeats = repeat_counts(session, [s.id for s in petitions])
        return raise_warnings(
            session,
            signals=signals,
            matches=matches,
            grading=rules.grading,
            directory=directory,
            hooks=self.hooks,
            now=self.clock(),
            repeats=repeats,
        )

    def _store(
        self, items: Sequence[SignalIn]
    ) -> tuple[list[IntakeOutcome], list[StoredRow]]:
        outcomes = [IntakeOutcome() for _ in items]
        lease = lease_columns(self.policy, self.clock())
        with gc_paused(), self.sessions() as session, session.begin():
            directory = self.directory(session)
            rows: dict[tuple[int, str], dict[str, Any]] = {}
            positions: dict[tuple[int, str], list[int]] = {}
            for index, item in enumerate(items):
                try:
                    row = signal_row(item, directory)
                except IntakeError as error:
                    outcomes[index].error = error
                    continue
                row.update(lease)  # claimed by this process from the insert on
                key = (int(row["channel_id"]), item.external_id)  # type: ignore[call-overload]
                rows.setdefault(key, row)
                positions.setdefault(key, []).append(index)
            created = insert_new(session, list(rows.values())) if rows else {}
            existing = existing_ids(session, [key for key in rows if key not in created])
            for key, indexes in positions.items():
                for n, index in enumerate(indexes):
                    outcomes[index].signal_id = existing.get(key) or created[key]
                    outcomes[index].created = key in created and n == 0
        fresh = sorted((StoredRow.of(created[key], rows[key]) for key in created),
                       key=lambda row: row.id)
        return outcomes, fresh

    def _answer(
        self, outcomes: list[IntakeOutcome], decided: dict[int, list[WarningRef]]
    ) -> None:
        """Tell each item what became of it: from this batch's decisions, else as stored."""
        for outcome in outcomes:
            if outcome.signal_id in decided:
                outcome.status = SignalStatus.EVALUATED.value
                outcome.warnings = decided[outcome.signal_id]
        ids = [o.signal_id for o in outcomes
               if o.signal_id is not None and o.signal_id not in decided]
        if not ids:
            return
        with self.sessions() as session:
            status = dict(
                session.execute(select(Signal.id, Signal.status).where(among(Signal.id, ids))).all()
            )
            refs: dict[int, list[WarningRef]] = {}
            rows = session.execute(
                select(
                    WarningSignal.signal_id,
                    WarningSignal.rule_id,
                    RiskWarning.id,
                    RiskWarning.signal_id,
                    RiskWarning.response,
                    RiskPoint.code,
                )
                .join(RiskWarning, RiskWarning.id == WarningSignal.warning_id)
                .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
                .where(among(WarningSignal.signal_id, ids))
                .order_by(WarningSignal.id)
            )
            for signal_id, rule_id, warning_id, first_signal, response, code in rows:
                refs.setdefault(signal_id, []).append(
                    WarningRef(warning_id, rule_id, code, response, first_signal == signal_id)
                )
        for outcome in outcomes:
            if outcome.signal_id is not None and outcome.signal_id not in decided:
                outcome.status = status.get(outcome.signal_id, "")
                outcome.warnings = refs.get(outcome.signal_id, [])


def _answer_of(raised: dict[int, list[Raised]]) -> dict[int, list[WarningRef]]:
    return {
        signal_id: [
            WarningRef(r.warning.id, r.rule_id, r.risk_point, r.warning.response, r.new)
            for r in found
        ]
        for signal_id, found in raised.items()
    }


def _facts(signal: StoredSignal, directory: Directory) -> SignalFacts:
    return SignalFacts(
        channel=directory.channel_by_id[signal.channel_id].code,
        title=signal.title,
        text=signal.text,
        department=directory.department_codes.get(signal.department_id or 0),
        person=signal.person or None,
        post=signal.post or None,
        amount=signal.amount,
    )
