"""The rules in force: loaded from rules/, checked against the register, swapped whole.

Each service process holds its own rules and reloads them when the files change (a
watcher thread compares names, sizes and modification times every few seconds) or when a
reload was requested on any instance (a row in `rule_reloads`, read by the same watcher).

Files are edited in place on a running service: an editor truncates then writes, a deploy
renames a new release over a symlink. So every load, whoever asks for it, reads the files
only once they have settled (rules/settling.py): the watcher looks again at its next tick,
a load that must answer (start-up, POST /api/rules/reload, the rules page) waits for them,
and a load whose files changed while they were read puts nothing in force.
A reload that finds any problem is refused whole: the rules in force stay and the problems
are kept for `qingfeng rules check`, the log, the rules page and GET /api/rules/status.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warning.db.claims import process_owner
from warning.db.models import Channel, Department, RiskPoint, RuleReload
from warning.domain.grading import GradingPolicy
from warning.rules.cache import RulebookCache
from warning.rules.engine_process import EngineCrashed, EngineHost
from warning.rules.evaluator import Evaluator
from warning.rules.loader import Problem, RuleBook, RuleBookError, load_rulebook
from warning.rules.settling import QUIET_S, WAIT_S, Fingerprint, SettledFiles
from warning.services.rule_books import OtherBook, book_digest, other_books, publish
from warning.services.rule_refusals import changed_while_read, no_rules_left, still_changing

log = logging.getLogger(__name__)
KnownRefs = Callable[[], tuple[set[str] | None, set[str] | None]]


@dataclass(frozen=True)
class InForce:
    """One consistent snapshot: the rule book, its evaluator and grading policy."""

    rulebook: RuleBook
    evaluator: Evaluator
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def grading(self) -> GradingPolicy:
        return self.rulebook.grading

    @cached_property
    def book(self) -> str:
        """The digest naming this rule book, equal on instances whose books agree."""
        return book_digest(self.rulebook)


class NoRulesError(RuntimeError):
    """No rules have been loaded yet."""


class RuleService:
    """Hold the rules in force; a reload that fails keeps them."""

    def __init__(
        self, rules_dir: Path, sessions: sessionmaker[Session] | None = None, *,
        known_refs: KnownRefs | None = None, host: EngineHost | None = None,
        cache: RulebookCache | None = None, engine_in_background: bool = False,
        instance: str | None = None, settle_s: float = QUIET_S,
    ) -> None:
        """`cache`: parsed rule files kept between processes (rules/cache.py).
        `engine_in_background`: start the engine child without waiting for it (a command
        that may not need it); a rule book durable-rules refuses then fails its batches
        (and they are retried) instead of its load. `instance`: the name under which the
        rule book held is recorded (rule_books.py); this process's lease owner if None.
        `settle_s`: how long the files must stay unchanged before any load reads them."""
        self._dir = rules_dir
        self._files = SettledFiles(rules_dir, settle_s)
        self._cache = cache
        self._engine_in_background = engine_in_background
        self._sessions = sessions
        self._known_refs = known_refs
        self._host = host
        self._lock = threading.Lock()
        self._in_force: InForce | None = None
        self._seen: Fingerprint | None = None  # the files the last load read
        self._asked = False  # another instance asked for a reload not yet done here
        self.problems: list[Problem] = []
        self.attempted_at: datetime | None = None  # the last load, kept or refused
        self._request_seen: int | None = None  # the newest reload request acted on
        self._instance = instance

    def known_refs(self) -> tuple[set[str] | None, set[str] | None]:
        """Return the risk point codes and channel ids rules may name (None: unchecked)."""
        if self._known_refs is not None:
            return self._known_refs()
        if self._sessions is None:
            return None, None
        with self._sessions() as session:
            points = set(session.scalars(select(RiskPoint.code)))
            channels = set(session.scalars(select(Channel.code)))
        return points, channels

    def known_departments(self) -> set[str] | None:
        """Return the directory's department codes rules may name (None: unchecked)."""
        if self._sessions is None:
            return None
        with self._sessions() as session:
            return set(session.scalars(select(Department.code)))

    def check(self) -> tuple[RuleBook | None, list[Problem]]:
        """Load the rule files without putting them in force."""
        points, channels = self.known_refs()
        try:
            rulebook = load_rulebook(self._dir, risk_points=points, channels=channels,
                                     departments=self.known_departments(), cache=self._cache)
            return rulebook, []
        except RuleBookError as error:
            return None, list(error.problems)

    def load(self, *, wait_s: float = WAIT_S) -> list[Problem]:
        """Put the rule files in force once they have settled (waiting up to `wait_s`); on
        any problem keep the rules in force and return the problems."""
        problems = self._load_settled(wait_s)
        assert problems is not None  # only a load that does not wait finds nothing settled
        return problems

    def _load_settled(self, wait_s: float | None) -> list[Problem] | None:
        """The one way rules are put in force. `wait_s` None: do not wait, and return None
        while the files are still changing (the watcher looks again at its next tick)."""
        end = time.monotonic() + (wait_s or 0.0)
        if wait_s is not None:  # wait before queueing: reloads asked at once wait together,
            self._files.wait(wait_s)  # not one after another (each held a route thread)
        with self._lock:  # one reload at a time; readers never wait on it
            while True:
                left = end - time.monotonic()
                settled = self._files.settled() if wait_s is None else self._files.wait(left)
                if settled is None and wait_s is None:
                    return None
                self.attempted_at = datetime.now(UTC)
                self._seen = settled  # None: not read, so the watcher's next look reads them
                rulebook, problems = (None, [still_changing(self._dir, wait_s or 0.0)]) \
                    if settled is None else self.check()
                if settled is None or self._files.unchanged(settled):
                    break
                if wait_s is None or time.monotonic() >= end:
                    rulebook, problems = None, [changed_while_read(self._dir)]
                    break
            held = self._in_force
            if rulebook is not None and not rulebook.rules and held and held.rulebook.rules:
                rulebook, problems = None, [no_rules_left(self._dir, len(held.rulebook.rules))]
            self.problems = problems
            if rulebook is None:
                log.error("rule files refused, %d problem(s); previous rules stay: %s",
                          len(problems), "; ".join(map(str, problems[:5])))
                return problems
            try:
                evaluator = Evaluator(rulebook, host=self._host,
                                      wait=not self._engine_in_background)
            except EngineCrashed as error:  # durable refused or could not load the shards
                self.problems = [Problem(str(rulebook.directory), 0, "", str(error))]
                log.error("rule engine could not load the rules; previous rules stay: %s", error)
                return self.problems
            self._in_force = InForce(rulebook, evaluator)
        log.info("rules in force: %d (rule book %s)", len(rulebook.rules), self.book_digest())
        self._publish()
        return []

    def book_digest(self) -> str | None:
        """Return the digest naming the rule book in force (None before the first load)."""
        in_force = self._in_force
        return None if in_force is None else in_force.book

    def other_books(self) -> list[OtherBook]:
        """Return the live instances on this database that hold another rule book."""
        digest = self.book_digest()
        if self._sessions is None or digest is None:
            return []
        return other_books(self._sessions, instance=self.instance, digest=digest)

    @property
    def instance(self) -> str:
        """Return the name this instance's rule book is recorded under."""
        return self._instance or process_owner()

    def _publish(self) -> None:
        in_force, digest = self._in_force, self.book_digest()
        if self._sessions is not None and in_force is not None and digest is not None:
            publish(self._sessions, instance=self.instance, digest=digest,
                    rules=len(in_force.rulebook.rules), loaded_at=in_force.loaded_at)

    def reload_if_changed(self) -> list[Problem] | None:
        """Reload when a rule file was added, removed or changed; None when nothing changed."""
        if self._files.look() == self._seen:
            return None
        return self.load()

    def request_reload(self, actor: str) -> list[Problem]:
        """Reload here once the files have settled, and ask every other instance's watcher
        to reload too."""
        if self._sessions is not None:
            with self._sessions() as session, session.begin():
                row = RuleReload(actor=actor[:200], instance=process_owner()[:200])
                session.add(row)
                session.flush()
                self._request_seen = max(self._request_seen or 0, row.id)
        return self.load()

    def reload_if_due(self) -> list[Problem] | None:
        """Reload when another instance asked or the files changed, once they have settled;
        None when neither, or while they are still changing."""
        requested = self._newest_request()
        if requested is not None and requested > (self._request_seen or 0):
            self._asked = True
            self._request_seen = requested
        if self._asked or self._files.look() != self._seen:
            problems = self._load_settled(None)
            if problems is not None:
                self._asked = False
                return problems
            return None
        self._publish()  # still alive, still holding this book
        return None

    def _newest_request(self) -> int | None:
        if self._sessions is None:
            return None
        try:
            with self._sessions() as session:
                newest = session.scalar(select(func.max(RuleReload.id)))
        except SQLAlchemyError:  # the database is away: the files are still watched
            log.debug("rule reload requests unreadable", exc_info=True)
            return None
        if self._request_seen is None:  # requests before this process started are done
            self._request_seen = newest or 0
            return None
        return newest or 0

    def current(self) -> InForce:
        """Return the rules in force."""
        in_force = self._in_force
        if in_force is None:
            raise NoRulesError("尚未载入规则 (no rules loaded): 运行 qingfeng rules check")
        return in_force

    def loaded(self) -> InForce | None:
        """Return the rules in force, or None before the first good load."""
        return self._in_force

    def describe(self) -> list[dict[str, object]]:
        """List the rules in force for the API."""
        if self._in_force is None:
            return []
        return [
            {
                "id": r.id,
                "name": r.name,
                "risk_point": r.risk_point,
                "mode": r.mode.value,
                "severity": r.severity,
                "file": shown_rule_file(Path(r.file), self._dir),  # no server path to any reader
                "line": r.line,
                "version": r.version,
            }
            for r in self._in_force.rulebook.rules
        ]

class RulesWatcher:
    """A daemon thread that reloads a process's rules when their files change."""

    def __init__(self, rules: RuleService, every_s: float) -> None:
        self._rules = rules
        self._every = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching (a no-op when the interval is 0)."""
        if self._every > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rules-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._rules.reload_if_due()
            except Exception:  # a reload must never end the watcher
                log.exception("rules reload failed; previous rules stay")


def shown_rule_file(path: Path, rules_dir: Path) -> str:
    """A rule file's path relative to the rules directory (its name if it lies elsewhere)."""
    try:
        return str(path.resolve().relative_to(rules_dir.resolve()))
    except (ValueError, OSError):
        return path.name
