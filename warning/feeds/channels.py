"""The feed channels to scan: enabled feed rows as specs, with who the prefilter can name."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.channels.definition import FeedSettings
from warning.db.models import Channel, Department, Person
from warning.domain.enums import ChannelKind
from warning.feeds.backoff import due_at
from warning.feeds.fetch import FeedState, FetchOptions
from warning.feeds.prefilter import Prefilter
from warning.feeds.scan import FeedSpec

CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class Subjects:
    """Who the prefilter can name: department names to codes, people to their department."""

    departments: dict[str, str]
    people: dict[str, str | None]

    @classmethod
    def load(cls, session: Session) -> "Subjects":
        """Read department and people names from the directory."""
        departments = dict(session.execute(select(Department.name, Department.code)).all())
        codes = dict(session.execute(select(Department.id, Department.code)).all())
        people: dict[str, str | None] = {}
        homes: dict[str, set[int | None]] = {}
        for name, department_id in session.execute(select(Person.name, Person.department_id)):
            homes.setdefault(name, set()).add(department_id)
        for name, ids in homes.items():
            # A name shared by people of different departments says nothing about which.
            only = next(iter(ids)) if len(ids) == 1 else None
            people[name] = codes.get(only) if only is not None else None
        return cls(departments, people)


@dataclass(frozen=True)
class FeedChannel:
    """A feed channel to scan: its row id, code, schedule, spec and last attempt."""

    channel_id: int
    code: str
    interval_minutes: int
    spec: FeedSpec
    last_run_at: datetime | None = None
    max_backoff_minutes: int = 24 * 60

    def due_at(self) -> datetime | None:
        """Return when backoff lets this feed be fetched again (None: not held back)."""
        return due_at(
            self.last_run_at,
            self.spec.state.consecutive_failures,
            timedelta(minutes=self.interval_minutes),
            timedelta(minutes=self.max_backoff_minutes),
        )


def feed_settings(channel: Channel) -> FeedSettings | None:
    """Return the feed settings in a channel row's definition, if it is a feed."""
    feed = (channel.definition or {}).get("feed")
    if channel.kind != ChannelKind.FEED.value or not feed:
        return None
    return FeedSettings.model_validate(feed)


def enabled_feed_channels(session: Session) -> list[Channel]:
    """Return the enabled feed channel rows, by code."""
    return list(
        session.scalars(
            select(Channel)
            .where(Channel.kind == ChannelKind.FEED.value, Channel.enabled.is_(True))
            .order_by(Channel.code)
        )
    )


def load_feed_channels(
    session: Session, only: int | str | None = None, subjects: Subjects | None = None
) -> list[FeedChannel]:
    """Build a spec per enabled feed channel (or just `only`, by id or code)."""
    subjects = subjects or Subjects.load(session)
    found = []
    for row in enabled_feed_channels(session):
        if only is not None and only not in (row.id, row.code):
            continue
        settings = feed_settings(row)
        if settings is None:
            continue
        prefilter = Prefilter(
            keywords=settings.keywords,
            departments=subjects.departments,
            people={name: name for name in subjects.people},
        )
        state = FeedState(
            url=row.url or settings.url,
            etag=row.etag or None,
            last_modified=row.last_modified or None,
            consecutive_failures=row.consecutive_failures,
            gone=row.gone,
        )
        options = FetchOptions(
            connect_timeout=min(CONNECT_TIMEOUT, settings.timeout_seconds),
            total_timeout=settings.timeout_seconds,
            max_bytes=settings.max_bytes,
            parse_timeout=settings.parse_timeout_seconds,
        )
        spec = FeedSpec(row.code, state, prefilter, options)
        found.append(
            FeedChannel(
                row.id, row.code, settings.interval_minutes, spec,
                last_run_at=row.last_run_at, max_backoff_minutes=settings.max_backoff_minutes,
            )
        )
    return found
