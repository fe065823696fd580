"""One writer thread that commits incoming signals in small batches.

Committing each API request on its own makes writers contend for the database (SQLite
has one writer; PostgreSQL pays a flush per commit). Requests instead hand their signal
to this thread and wait on a future; the thread takes whatever has queued up (up to
`batch_size`, waiting at most `wait_s` for more) and stores and evaluates it as one batch.
"""

import logging
import queue
import threading
from concurrent.futures import Future

from sqlalchemy.exc import DataError

from warning.services.intake import Intake, IntakeOutcome
from warning.services.signal_input import SignalIn
from warning.services.signal_rows import IntakeError

log = logging.getLogger(__name__)
_STOP = object()


class IntakeWriter:
    """Batch signals from many callers into few transactions."""

    def __init__(self, intake: Intake, *, batch_size: int = 200, wait_s: float = 0.002) -> None:
        self._intake = intake
        self._batch_size = batch_size
        self._wait_s = wait_s
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, item: SignalIn) -> "Future[IntakeOutcome]":
        """Queue one signal; the future resolves when it is stored and evaluated."""
        future: Future[IntakeOutcome] = Future()
        self._queue.put((item, future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self._batch_size:
                try:
                    nxt = self._queue.get(timeout=self._wait_s)
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stopping = True
                    break
                batch.append(nxt)
            self._write(batch)  # type: ignore[arg-type]

    def _write(self, batch: list[tuple[SignalIn, "Future[IntakeOutcome]"]]) -> None:
        """Store a batch; if it fails, store its items one by one so only the bad one fails.

        Items are fully validated before they are queued (SignalIn), so a batch failing is
        rare: a fault of the database or a value only the database refuses. Either way a
        request is answered with its own outcome, never with a neighbour's error.
        """
        try:
            outcomes = self._intake.ingest([item for item, _ in batch])
        except Exception:
            if len(batch) == 1:
                self._write_one(*batch[0])
                return
            log.warning("intake batch of %d failed; storing its items one by one", len(batch))
            for item, future in batch:
                self._write_one(item, future)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            future.set_result(outcome)

    def _write_one(self, item: SignalIn, future: "Future[IntakeOutcome]") -> None:
        try:
            outcome = self._intake.ingest([item])[0]
        except DataError as error:
            log.warning("signal refused by the database: %s", type(error.orig).__name__)
            outcome = IntakeOutcome(error=IntakeError(
                "signal", "数据库无法保存该信号的某个值 (a value the database cannot store)",
                "unstorable_value",
            ))
        except Exception as error:
            log.exception("intake of one signal failed")
            future.set_exception(error)
            return
        future.set_result(outcome)
