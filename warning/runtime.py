"""The running service's parts, built once from settings and shared by CLI, API and jobs."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.principal_cache import PrincipalCache
from warning.db.engine import make_async_engine, make_engine, make_sessionmaker
from warning.db.migrate import require_migrated
from warning.db.statement_limit import limit_statements
from warning.handling.holidays import use_calendar_file
from warning.rules.cache import RulebookCache
from warning.rules.settling import WAIT_S
from warning.services.evaluation_claims import EvaluationPolicy
from warning.services.intake import Intake, IntakeOutcome
from warning.services.record_hooks import default_hooks
from warning.services.rule_service import RuleService, RulesWatcher
from warning.services.signal_input import SignalIn
from warning.services.writer import IntakeWriter
from warning.settings import Settings

if TYPE_CHECKING:  # asyncio and SQLAlchemy's async layer: PostgreSQL's service only
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass
class Runtime:
    """Engine, sessions, rules in force, intake and the writer thread."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    rules: RuleService
    intake: Intake
    writer: IntakeWriter | None = field(default=None)
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    watcher: RulesWatcher | None = field(default=None)
    # PostgreSQL only: sessions whose I/O the event loop awaits (see warning.web.db_work).
    async_sessions: async_sessionmaker[AsyncSession] | None = field(default=None)

    def start_writer(self) -> None:
        """Start the single writer that batches API signals."""
        if self.writer is None:
            self.writer = IntakeWriter(
                self.intake,
                batch_size=self.settings.intake_batch_size,
                wait_s=self.settings.intake_batch_wait_ms / 1000,
            )
            self.writer.start()

    def watch_rules(self) -> None:
        """Reload this process's rules whenever their files change."""
        if self.watcher is None:
            self.watcher = RulesWatcher(self.rules, self.settings.rules_check_seconds)
            self.watcher.start()

    def submit_signal(self, item: SignalIn) -> Future[IntakeOutcome]:
        """Queue one signal on the writer (started on first use)."""
        self.start_writer()
        assert self.writer is not None
        return self.writer.submit(item)

    def sync_channels(self) -> None:
        """Load channels/*.yaml and make the channels table match (raises ChannelFileError)."""
        from warning.channels.loader import load_channels
        from warning.channels.sync import sync_channels

        definitions = load_channels(self.settings.channels_dir)
        with self.sessions() as session, session.begin():
            sync_channels(session, definitions)
        self.intake.forget_directory()

    async def aclose(self) -> None:
        """Close, and release the async engine's connections too."""
        from sqlalchemy.ext.asyncio import AsyncEngine

        if self.async_sessions is not None:
            bind = self.async_sessions.kw.get("bind")
            if isinstance(bind, AsyncEngine):
                await bind.dispose()
        self.close()

    def close(self) -> None:
        """Stop the writer and the rules watcher, and release the database."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.writer is not None:
            self.writer.stop()
            self.writer = None
        self.engine.dispose()


def evaluation_policy(settings: Settings) -> EvaluationPolicy:
    """Return the evaluation leases and retries the settings ask for."""
    return EvaluationPolicy(lease_seconds=settings.evaluation_lease_seconds,
                            max_attempts=settings.evaluation_max_attempts,
                            backoff_base_seconds=settings.evaluation_backoff_seconds)


def build_runtime(
    settings: Settings, *, load_rules: bool = True, engine_in_background: bool = False,
    rules_wait_s: float = WAIT_S,
) -> Runtime:
    """Connect to a migrated database and load the rules; refuse an unmigrated database.

    Parsed rule files are cached under the data directory (rules/cache.py);
    `engine_in_background` lets the rule engine child start while the caller works;
    `rules_wait_s`: how long the load waits for rule files still changing.
    """
    # One pooled connection per route thread, and some for the writer, scheduler and
    # deliveries: connections beyond the pool are opened and closed per request, which
    # on PostgreSQL costs a backend start each time. (SQLite ignores pool sizes.)
    use_calendar_file(settings.holidays_file)
    engine = make_engine(settings.database_url, pool_size=settings.route_threads + 4)
    limit_statements(engine)
    require_migrated(engine)
    sessions = make_sessionmaker(engine)
    rules = RuleService(settings.rules_dir, sessions,
                        cache=RulebookCache(settings.data_dir / "cache"),
                        engine_in_background=engine_in_background,
                        settle_s=settings.rules_settle_seconds)
    if load_rules:
        rules.load(wait_s=rules_wait_s)
    intake = Intake(sessions=sessions, rules=rules.current,
                    hooks=default_hooks(settings.triage_days),
                    policy=evaluation_policy(settings))
    async_sessions = None
    if not settings.is_sqlite:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        async_engine = make_async_engine(settings.database_url, pool_size=settings.route_threads)
        limit_statements(async_engine.sync_engine)
        async_sessions = async_sessionmaker(async_engine, expire_on_commit=False)
    return Runtime(settings, engine, sessions, rules, intake,
                   principals=PrincipalCache(ttl=settings.token_cache_seconds),
                   async_sessions=async_sessions)
