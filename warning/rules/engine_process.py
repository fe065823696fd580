"""The crash-proof wall: durable-rules runs in a child process that a rule change replaces.

Why a child. durable-rules frees a used ruleset unsafely: `delete_state`/`delete_ruleset`
on a shard that had evaluated signals killed the service (SIGSEGV, SIGABRT) on reloads and
made `qingfeng signal import` exit 134 at exit, after its rows were committed. Leaking
instead of freeing stops that one cause but not the class: a crash inside native code, of
any cause, ends the process that loaded it. So no service or command process ever loads
durable-rules; the shards live in a child (`warning.rules.engine.main`) that:

- holds one rule book's shards for its whole life and never frees one: a reload starts
  a new child, and the old one is retired (its stdin closed, so it exits with `os._exit`,
  no teardown) only when the last evaluator using it is gone, that is after its in-flight
  batches have finished;
- answers a whole batch per round trip: the parent runs the text prefilter and sends, per
  signal, (channel, department, amount, the candidate slots of each shard); the child
  answers the (shard, slot) pairs that fired. A batch with no candidate at all never
  crosses the pipe (most signals match nothing). Measured with the demo rules on a loaded
  2-core machine: one signal per round trip ~120 us wall, 33 us of parent CPU; a batch
  of 1,000 ~70 us wall and 7 us of parent CPU per signal, durable's own work dominating;
- may die at any time: end of file, a broken pipe, an error reply or no progress within
  its budget (writing the request, awaiting or reading the answer: a frozen child stops
  reading, and a request larger than the pipe would otherwise block the writer for ever)
  discards it. Loading the shards may take ANSWER_TIMEOUT_S; a batch of signals gets
  `evaluate_budget` (EVALUATE_BASE_S and PER_POST_S per shard a signal is posted to), so a
  frozen child holds a one-signal batch, and every request queued behind it, for seconds
  rather than two minutes. The failed child is discarded, and the batch is retried once
  in a fresh child with the same shards. A second failure raises EngineCrashed for that
  batch only (intake marks its signals failed and the retry job evaluates them later); the
  process carries on.

Equal rule books share a child (content-addressed by their shards' definitions), so a
reload that changes nothing starts nothing.
"""

import contextlib
import hashlib
import json
import logging
import os
import pickle
import selectors
import subprocess
import sys
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

from warning.rules.slots import Request, Slot, definition
from warning.rules.wire import FRAME, frame

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 120.0  # loading: thousands of rules in hundreds of shards
# A batch: ~0.1 ms a signal with the demo rules (module docstring) and at most a few tens of
# microseconds a shard post, so 15 s and 2 ms a post leave ten times that on a loaded machine.
EVALUATE_BASE_S = 15.0
PER_POST_S = 0.002
_CHILD = "from warning.rules.engine import main; main()"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # where `warning` is importable


class EngineCrashed(RuntimeError):
    """The engine child failed a batch twice (died, hung or reported an error)."""


class _ChildGone(Exception):
    """The child died, hung or answered with an error."""


class _Child:
    """One engine child process and its two pipes."""

    def __init__(self, shards: Sequence[Sequence[Slot]]) -> None:
        path = os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            close_fds=True, env=os.environ | {"PYTHONPATH": path},
        )
        self.pid = self.process.pid
        try:
            self.ask("load", [list(slots) for slots in shards])
        except _ChildGone:
            self.kill()
            raise

    def ask(self, kind: str, payload: object, timeout_s: float = ANSWER_TIMEOUT_S) -> object:
        """Send one request and wait for its answer, each step within `timeout_s`."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            _send(stdin.fileno(), frame((kind, payload)), timeout_s)
            status, answer = _receive(stdout.fileno(), timeout_s)  # type: ignore[misc]
        except (OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
            code = self.process.poll()
            raise _ChildGone(f"engine process {self.pid} gone (exit {code}): {error!r}") from None
        if status != "ok":
            raise _ChildGone(str(answer))
        return answer

    def kill(self) -> None:
        """End the child now (it failed)."""
        self.process.kill()
        _retire(self.process)


def evaluate_budget(requests: Sequence[Request]) -> float:
    """Return how long a batch may go without progress: more for more shard posts."""
    posts = sum(len(shard_posts) for *_fields, shard_posts in requests)
    return EVALUATE_BASE_S + PER_POST_S * posts


def _wait(fd: int, event: int, timeout_s: float) -> None:
    """Wait until the pipe can be written or read; _ChildGone after `timeout_s`."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, event)
        if not selector.select(timeout_s):
            raise _ChildGone(f"no progress within {timeout_s:.0f} s")


def _send(fd: int, data: bytes, timeout_s: float) -> None:
    """Write a whole frame to the child without ever blocking past the timeout."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    while view:
        _wait(fd, selectors.EVENT_WRITE, timeout_s)
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue


def _read_exactly(fd: int, size: int, timeout_s: float) -> bytes:
    chunks: list[bytes] = []
    while size:
        _wait(fd, selectors.EVENT_READ, timeout_s)
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, timeout_s: float) -> object:
    """Read one frame from the child (wire.read_frame with the timeout on every read)."""
    (size,) = FRAME.unpack(_read_exactly(fd, FRAME.size, timeout_s))
    return pickle.loads(_read_exactly(fd, size, timeout_s))


_retired: list[subprocess.Popen[bytes]] = []
_retired_lock = threading.RLock()  # a finalizer may run while it is held (GC)


def _retire(process: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (it exits at once) and reap children that have ended."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    with _retired_lock:
        _retired.append(process)
        _retired[:] = [p for p in _retired if p.poll() is None]


def _retire_all(holder: list[_Child]) -> None:
    for child in holder:
        _retire(child.process)
    holder.clear()


class Engine:
    """One rule book's shards, evaluated in a child process that is replaced if it fails."""

    def __init__(self, shards: Sequence[Sequence[Slot]], *, wait: bool = True) -> None:
        """Start the child now; `wait` False returns at once and lets the child start and load
        its shards in a thread (`qingfeng signal import` reads and stores its file meanwhile,
        and never waits for it when no signal has a candidate rule)."""
        self.shards = tuple(tuple(slots) for slots in shards)
        self.started = 0  # children started: the first and every replacement
        self._lock = threading.Lock()
        self._holder: list[_Child] = []
        self._starting: threading.Thread | None = None
        weakref.finalize(self, _retire_all, self._holder)
        if not self.shards:
            return
        if wait:
            self._ask("size", None)  # start now: a rule book durable refuses fails its load
        else:
            self._starting = threading.Thread(target=self._start_quietly, daemon=True,
                                              name="engine-start")
            self._starting.start()

    def _start_quietly(self) -> None:
        try:
            self._ask("size", None)
        except EngineCrashed as error:  # the next batch starts it again, or fails
            log.warning("rule engine did not start: %s", error)

    def ready(self) -> None:
        """Wait until the child has loaded its shards; raise EngineCrashed if it cannot."""
        if self.shards:
            self._ask("size", None)

    @property
    def pid(self) -> int | None:
        """Return the process id of the current child (None before one is needed)."""
        return self._holder[0].pid if self._holder else None

    def evaluate(self, requests: Sequence[Request]) -> list[list[int]]:
        """Return per request the fired (shard, slot) pairs, flattened, in one round trip."""
        batch = list(requests)
        return self._ask("evaluate", batch, evaluate_budget(batch))  # type: ignore[return-value]

    def facts_held(self) -> list[object]:
        """Return the facts durable still holds in the child (always none between batches)."""
        return self._ask("held", None)  # type: ignore[return-value]

    def _child(self) -> _Child:
        if not self._holder:
            self.started += 1
            self._holder.append(_Child(self.shards))
        return self._holder[0]

    def _ask(self, kind: str, payload: object, timeout_s: float = ANSWER_TIMEOUT_S) -> object:
        with self._lock:
            for attempt in (1, 2):
                child = None
                try:
                    child = self._child()
                    return child.ask(kind, payload, timeout_s)
                except _ChildGone as gone:
                    if child is not None:
                        child.kill()
                    self._holder.clear()
                    if attempt == 2:
                        message = f"规则引擎两次失败 (engine failed twice): {gone}"
                        raise EngineCrashed(message) from None
                    log.warning("rule engine failed (%s); retrying the batch in a fresh one", gone)
        raise AssertionError("unreachable")


class EngineHost:
    """Engines by content: equal shard definitions share one live engine."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: weakref.WeakValueDictionary[str, Engine] = weakref.WeakValueDictionary()
        self.created = 0

    def engine(self, shards: Sequence[Sequence[Slot]], *, wait: bool = True) -> Engine:
        """Return the live engine for these shards, starting one if none is alive."""
        body = json.dumps([definition(s) for s in shards], sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(body.encode()).hexdigest()
        with self._lock:
            found = self._live.get(digest)
            if found is None:
                found = Engine(shards, wait=wait)
                self._live[digest] = found
                self.created += 1
            return found

    def live_count(self) -> int:
        """Return how many engines are alive."""
        return len(self._live)


_default: EngineHost | None = None
_default_lock = threading.Lock()


def default_host() -> EngineHost:
    """Return the process's engine host, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = EngineHost()
        return _default
