"""Import a signal file all or nothing, in bounded memory, and evaluate what it stored.

Streaming passes, none holding the file's rows:
1. check: every row is parsed and validated (SignalIn, the channel and department known);
   any bad row stops the import before anything is written, each error with its line.
   `import_checked` makes this pass the storing pass itself, each row parsed once: on
   SQLite staged in the scratch database as it is checked (a bad row anywhere leaves the
   staged rows unmoved), on PostgreSQL COPYed in the import's transaction (a bad row
   anywhere rolls it back);
2. store and evaluate (`import_file`): on PostgreSQL one transaction COPYs the rows into
   `signals` already evaluated and evaluates those that fired a rule
   (warning.services.import_evaluated). On SQLite, and for a file with rows stored
   already, `store` stages every row in chunks and inserts them all or nothing by one
   statement, keeping only the ids (8 bytes a row); then
3. `evaluate`: the stored signals not yet evaluated, in chunks. Evaluation is per chunk
   and may be interrupted: a re-run of the same file stores nothing again and evaluates
   what the first run stored but did not evaluate.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from warning.db.models import Channel, Department, RiskWarning, Signal
from warning.domain.enums import SignalStatus
from warning.runtime import Runtime
from warning.services.directory import Directory
from warning.services.evaluation_claims import lease_columns
from warning.services.import_evaluated import store_evaluated
from warning.services.import_staging import store_staged
from warning.services.signal_files import RowError, read_rows, to_signal
from warning.services.signal_input import SignalIn
from warning.services.signal_rows import signal_row
from warning.services.stored_differences import Differing, differing_rows

MAX_SHOWN_ERRORS = 200
Progress = Callable[[int], None]


@dataclass
class CheckReport:
    """What the check pass found: how many good rows, and the first errors with lines."""

    rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, error: RowError) -> None:
        """Count an error; keep the first MAX_SHOWN_ERRORS to show."""
        self.error_count += 1
        if len(self.errors) < MAX_SHOWN_ERRORS:
            self.errors.append(error)


@dataclass
class ImportResult:
    """What an import stored and raised."""

    rows: int
    created: int
    evaluated: int
    warnings: int
    # rows whose key was stored with other content: not stored (stored_differences)
    differing: tuple[Differing, ...] = ()
    # stored, but their evaluation failed (the log says why): left for the retry job
    failed: int = 0


@dataclass(frozen=True)
class SignalFile:
    """A signal file with how to read it: a fixed channel and a channel's own headers."""

    path: Path
    channel: str | None = None
    columns: Mapping[str, str] | None = None

    def signals(self) -> Iterator[tuple[int, SignalIn | RowError]]:
        """Yield (line, signal or row error) for each data row, streaming."""
        for line, raw in read_rows(self.path, self.columns):
            yield line, to_signal(line, raw, self.channel, self.columns)


class _References:
    """The enabled channels and the departments (by code or name) a row may name."""

    def __init__(self, runtime: Runtime) -> None:
        with runtime.sessions() as session:
            self.channels = set(session.scalars(
                select(Channel.code).where(Channel.enabled.is_(True))))
            self.departments = {v for row in session.execute(
                select(Department.code, Department.name)) for v in row}

    def problem(self, line: int, item: SignalIn) -> RowError | None:
        """Return why `item` cannot be stored, or None."""
        if item.channel not in self.channels:
            return RowError(line, f"channel: 渠道“{item.channel}”不存在或已停用")
        if item.department and item.department not in self.departments:
            return RowError(line, f"department: 部门编码“{item.department}”不存在")
        return None


def check(file: SignalFile, runtime: Runtime) -> CheckReport:
    """Validate every row of the file and its references; store nothing."""
    references = _References(runtime)
    report = CheckReport()
    for line, item in file.signals():
        problem = item if isinstance(item, RowError) else references.problem(line, item)
        if problem is not None:
            report.add(problem)
        else:
            report.rows += 1
    return report


class RowsRefused(Exception):
    """A file had bad rows: nothing was stored; the report says which."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(f"{report.error_count} rows refused")
        self.report = report


def import_checked(file: SignalFile, runtime: Runtime, *, chunk: int = 1000,
                   stored: Progress | None = None, evaluated: Progress | None = None,
                   ) -> tuple[CheckReport, ImportResult | None]:
    """Check a file and, if every row is good, store and evaluate it; all or nothing.

    Each row is parsed and validated once, as it is stored: on SQLite while the rows are
    staged in the scratch database (warning.services.import_staging), a bad row anywhere
    leaving the staged rows unmoved; on PostgreSQL while they are COPYed into `signals` in
    the import's one transaction (import_evaluated), a bad row anywhere rolling it back.
    Either way the rest of the file is still checked, so that the report names every bad
    row, and nothing is stored.
    """
    if runtime.engine.dialect.name == "postgresql":
        report = CheckReport()
        try:
            done = store_evaluated(
                runtime, lambda directory: row_chunks(
                    file, directory, chunk, {}, _checked(file, _References(runtime), report)),
                batch=chunk, progress=_both(stored, evaluated))
        except RowsRefused:
            return report, None
        if done is not None:
            return report, ImportResult(done.rows, done.rows, done.rows - done.failed,
                                        done.warnings, failed=done.failed)
        copy_first = False  # rows stored already (a re-run): staged, checked again
    else:
        copy_first = True
    report = CheckReport()
    try:
        ids, created = store(file, runtime, chunk=chunk, progress=stored, checking=report,
                             copy_first=copy_first)
    except RowsRefused:
        return report, None
    done_now, warnings, failed = evaluate(runtime, ids, progress=evaluated)
    differing = differing_rows(runtime, _unchecked(file), ids) if created < len(ids) else []
    return report, ImportResult(len(ids), created, done_now, warnings, tuple(differing), failed)


def import_file(file: SignalFile, runtime: Runtime, *, chunk: int = 1000,
                stored: Progress | None = None,
                evaluated: Progress | None = None) -> ImportResult:
    """Store a checked file all or nothing and evaluate what it stored.

    On PostgreSQL the new rows are stored already evaluated, in one transaction with
    their evaluation (warning.services.import_evaluated); a file with a row stored already
    (a re-run, a repeat inside the file), and SQLite, store first and evaluate after.
    """
    if runtime.engine.dialect.name == "postgresql":
        done = store_evaluated(
            runtime, lambda directory: row_chunks(file, directory, chunk, {}),
            batch=chunk, progress=_both(stored, evaluated))
        if done is not None:
            return ImportResult(done.rows, done.rows, done.rows - done.failed, done.warnings,
                                failed=done.failed)
    ids, created = store(file, runtime, chunk=chunk, progress=stored,
                         copy_first=runtime.engine.dialect.name != "postgresql")
    done_now, warnings, failed = evaluate(runtime, ids, progress=evaluated)
    return ImportResult(len(ids), created, done_now, warnings, failed=failed)


def _both(*progress: Progress | None) -> Progress:
    def advance(n: int) -> None:
        for one in progress:
            if one is not None:
                one(n)
    return advance


def store(file: SignalFile, runtime: Runtime, *, chunk: int = 1000,
          progress: Progress | None = None, copy_first: bool = True,
          checking: CheckReport | None = None) -> tuple[array[int], int]:
    """Insert every row of a checked file all or nothing; return the ids and how many new.

    A row that turns bad between check and store (the file changed, a channel was disabled)
    raises, and nothing is stored. The rows are staged first, then stored by one
    statement (warning.services.import_staging: COPY into a temporary table on
    PostgreSQL, a scratch file on SQLite, which has one writer).
    """
    with runtime.sessions() as session:
        directory = runtime.intake.directory(session)
    # Stored claimed by this process, as intake stores them: evaluating them then rewrites
    # each row once (evaluated) instead of twice (claimed, then evaluated). On PostgreSQL
    # each rewrite of a signal re-indexes its text's trigrams (bench/RESULTS.md, session 5).
    lease = lease_columns(runtime.intake.policy, runtime.intake.clock())
    if checking is not None:
        references = _References(runtime)
        return store_staged(
            runtime.engine,
            lambda: row_chunks(file, directory, chunk, lease,
                               _checked(file, references, checking)),
            progress, copy_first=copy_first)
    return store_staged(runtime.engine, lambda: row_chunks(file, directory, chunk, lease),
                        progress, copy_first=copy_first)


def row_chunks(file: SignalFile, directory: Directory, size: int,
               extra: Mapping[str, Any],
               signals: Iterable[tuple[int, SignalIn]] | None = None,
               ) -> Iterator[list[dict[str, Any]]]:
    """Yield the file's rows as stored, `extra` columns added, `size` at a time.

    `signals` are the file's rows checked as they are read (_checked); by default the file
    was checked already and a row that turned bad since raises ValueError."""
    batch: list[dict[str, Any]] = []
    for _line, item in _unchecked(file) if signals is None else signals:
        batch.append(signal_row(item, directory) | extra)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _unchecked(file: SignalFile) -> Iterator[tuple[int, SignalIn]]:
    for line, item in file.signals():
        if isinstance(item, RowError):
            raise ValueError(f"第{line}行: {item.message} (文件在检查后被修改?)")
        yield line, item


def _checked(file: SignalFile, references: _References, report: CheckReport,
             ) -> Iterator[tuple[int, SignalIn]]:
    """Yield the good rows until the first bad one, then only check and count the rest;
    raise RowsRefused at the end if any row was bad."""
    for line, item in file.signals():
        problem = item if isinstance(item, RowError) else references.problem(line, item)
        if problem is not None:
            report.add(problem)
            continue
        report.rows += 1
        if not report.error_count:
            yield line, item
    if report.error_count:
        raise RowsRefused(report)


def evaluate(runtime: Runtime, ids: array[int], *, chunk: int = 500,
             progress: Progress | None = None) -> tuple[int, int, int]:
    """Evaluate the stored signals not yet evaluated; return (evaluated, warnings raised,
    failed: left unevaluated for the retry job)."""
    evaluated = warnings = failed = 0
    for start in range(0, len(ids), chunk):
        # A repeat of a row already evaluated in an earlier chunk is found evaluated.
        part = sorted(set(ids[start : start + chunk]))
        with runtime.sessions() as session:
            pending = list(session.scalars(
                select(Signal.id).where(Signal.id.in_(part),
                                        Signal.status != SignalStatus.EVALUATED.value)
            ))
        if pending:
            runtime.intake.evaluate(pending)
            with runtime.sessions() as session:
                now_evaluated = session.scalar(select(func.count()).where(
                    Signal.id.in_(pending), Signal.status == SignalStatus.EVALUATED.value
                )) or 0
                evaluated += now_evaluated
                failed += len(pending) - now_evaluated
                warnings += session.scalar(select(func.count()).select_from(RiskWarning).where(
                    RiskWarning.signal_id.in_(pending)
                )) or 0
        if progress is not None:
            progress(len(ids[start : start + chunk]))
    return evaluated, warnings, failed
