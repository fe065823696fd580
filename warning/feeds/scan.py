"""Scan many feeds with bounded concurrency, each feed isolated from the others.

Storage plugs in through two hooks: `seen(feed_id, keys)` returns the keys already stored
(as a mapping key -> stored content_hash, or a plain set when hashes are not kept), and
`on_outcome(outcome)` stores one feed's outcome as soon as that feed is done, so a slow
or huge feed never holds back storing the others. The new state carries the new
validators (ETag, Last-Modified); the store must save it only after the items, or the
next scan would answer 304 and lose them.
"""

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence, Set
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import httpx

from warning.feeds.fetch import FeedState, FetchKind, FetchOptions, FetchResult, fetch_feed
from warning.feeds.fetch import make_client as make_client
from warning.feeds.parse import FeedItem, ParsedFeed, ParseStatus
from warning.feeds.parse_pool import ParsePool
from warning.feeds.prefilter import Prefilter, Relevance

logger = logging.getLogger(__name__)
SeenResult = Mapping[str, str | None] | Set[str]
SeenLookup = Callable[[str, Sequence[str]], SeenResult | Awaitable[SeenResult]]
Progress = Callable[[int, int, "FeedOutcome"], None]
OutcomeSink = Callable[["FeedOutcome"], Awaitable[None]]
ERROR_KINDS = frozenset(
    {FetchKind.HTTP_ERROR, FetchKind.TIMEOUT, FetchKind.NETWORK_ERROR, FetchKind.TOO_LARGE}
)


@dataclass(frozen=True)
class FeedSpec:
    """One feed to scan: its id, stored state, channel prefilter and limits."""

    feed_id: str
    state: FeedState
    prefilter: Prefilter | None = None
    options: FetchOptions = field(default_factory=FetchOptions)


@dataclass(frozen=True)
class ScannedItem:
    """A new, relevant item and what the prefilter found in it."""

    item: FeedItem
    relevance: Relevance


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed's scan produced; `kind` is None when a gone feed was skipped.

    `items` are the new relevant items, `unkept` the new ones the prefilter dropped,
    `rekeyed` the items already stored under their `alias` (see `warning.feeds.identity`)
    that need their entry under the new key, `edited` the stored items whose text changed.
    """

    feed_id: str
    kind: FetchKind | None
    state: FeedState
    items: tuple[ScannedItem, ...] = ()
    edited: tuple[FeedItem, ...] = ()
    unkept: tuple[FeedItem, ...] = ()
    rekeyed: tuple[FeedItem, ...] = ()
    errors: tuple[str, ...] = ()
    parse_status: ParseStatus | None = None
    moved_to: str | None = None
    new: int = 0
    dropped: int = 0

    @property
    def failed(self) -> bool:
        """Tell whether this feed's scan counts as a failure."""
        return bool(self.errors) and self.parse_status is not ParseStatus.BOZO


@dataclass
class ScanSummary:
    """Counts over one scan of many feeds."""

    feeds: int = 0
    fetched: int = 0
    not_modified: int = 0
    moved: int = 0
    gone: int = 0
    skipped: int = 0
    new: int = 0
    edited: int = 0
    relevant: int = 0
    dropped: int = 0
    errors: int = 0

    def add(self, outcome: FeedOutcome) -> None:
        """Count one feed's outcome."""
        self.feeds += 1
        kind = outcome.kind
        self.fetched += kind in (FetchKind.OK, FetchKind.MOVED)
        self.not_modified += kind is FetchKind.NOT_MODIFIED
        self.moved += outcome.moved_to is not None
        self.gone += kind is FetchKind.GONE
        self.skipped += kind is None
        self.new += outcome.new
        self.edited += len(outcome.edited)
        self.relevant += len(outcome.items)
        self.dropped += outcome.dropped
        self.errors += outcome.failed


@dataclass(frozen=True)
class ScanReport:
    """Every feed's outcome, in input order, and the summary."""

    outcomes: tuple[FeedOutcome, ...]
    summary: ScanSummary


def next_state(state: FeedState, fetched: FetchResult, parsed: ParsedFeed | None) -> FeedState:
    """Advance a feed's state after a fetch (and the parse of its body, if any)."""
    url = fetched.new_url or state.url
    if fetched.kind is FetchKind.GONE:
        return replace(state, gone=True, consecutive_failures=state.consecutive_failures + 1)
    if fetched.kind in ERROR_KINDS or (parsed and parsed.status is ParseStatus.MALFORMED):
        # Keep the old validators: a broken body must be fetched again, not answered by 304.
        return replace(state, url=url, consecutive_failures=state.consecutive_failures + 1)
    return replace(
        state,
        url=url,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        consecutive_failures=0,
    )


async def _seen(seen: SeenLookup | None, feed_id: str, keys: list[str]) -> Mapping[str, str | None]:
    if seen is None or not keys:
        return {}
    found = seen(feed_id, keys)
    if inspect.isawaitable(found):
        found = await found
    if isinstance(found, Mapping):
        return found
    return dict.fromkeys(found)


async def scan_feed(
    client: httpx.AsyncClient, spec: FeedSpec, seen: SeenLookup | None = None,
    parser: ParsePool | None = None,
) -> FeedOutcome:
    """Fetch, parse, de-duplicate and prefilter one feed; never raise."""
    if spec.state.gone:
        return FeedOutcome(spec.feed_id, None, spec.state)
    own = parser is None
    pool = parser or ParsePool()
    try:
        return await _scan_feed(client, spec, seen, pool)
    except Exception as error:
        failures = spec.state.consecutive_failures + 1
        return FeedOutcome(
            spec.feed_id,
            FetchKind.NETWORK_ERROR,
            replace(spec.state, consecutive_failures=failures),
            errors=(f"扫描该订阅源时出错 ({type(error).__name__}: {error})",),
        )
    finally:
        if own:
            pool.close()


async def _scan_feed(
    client: httpx.AsyncClient, spec: FeedSpec, seen: SeenLookup | None, parser: ParsePool
) -> FeedOutcome:
    fetched = await fetch_feed(client, spec.state, spec.options)
    if not fetched.has_body:
        state = next_state(spec.state, fetched, None)
        errors = (fetched.error,) if fetched.error else ()
        return FeedOutcome(
            spec.feed_id, fetched.kind, state, errors=errors, moved_to=fetched.new_url
        )
    feed_url = fetched.new_url or spec.state.url
    parsed = await parser.parse(
        fetched.body, fetched.content_type, base_url=fetched.base_url or feed_url,
        feed_url=feed_url, timeout=spec.options.parse_timeout,
    )
    state = next_state(spec.state, fetched, parsed)
    errors = (parsed.reason,) if parsed.reason else ()
    keys = [item.key for item in parsed.items]
    keys += [item.alias for item in parsed.items if item.alias is not None]
    try:
        known = await _seen(seen, spec.feed_id, list(dict.fromkeys(keys)))
    except Exception as error:
        # The validators are not advanced: the next scan must fetch these items again.
        failures = spec.state.consecutive_failures + 1
        return FeedOutcome(
            spec.feed_id,
            fetched.kind,
            replace(spec.state, consecutive_failures=failures),
            errors=(f"查询已收录条目失败 ({type(error).__name__}: {error})",),
            parse_status=parsed.status,
        )
    fresh: list[FeedItem] = []
    edited: list[FeedItem] = []
    rekeyed: list[FeedItem] = []
    for item in parsed.items:
        if item.key in known:
            if known[item.key] is not None and known[item.key] != item.content_hash:
                edited.append(item)
        elif item.alias in known and known[item.alias] == item.content_hash:
            rekeyed.append(item)  # the story stored under its guid/link, unchanged
        else:
            fresh.append(item)
    kept: list[ScannedItem] = []
    unkept: list[FeedItem] = []
    for item in fresh:
        relevance = _relevance(spec.prefilter, item)
        if relevance.relevant:
            kept.append(ScannedItem(item, relevance))
        else:
            unkept.append(item)
    return FeedOutcome(
        spec.feed_id,
        fetched.kind,
        state,
        items=tuple(kept),
        edited=tuple(edited),
        unkept=tuple(unkept),
        rekeyed=tuple(rekeyed),
        errors=errors,
        parse_status=parsed.status,
        moved_to=fetched.new_url,
        new=len(fresh),
        dropped=len(fresh) - len(kept),
    )


def _relevance(prefilter: Prefilter | None, item: FeedItem) -> Relevance:
    if prefilter is None:
        return Relevance(relevant=True)
    return prefilter.check(item.title, item.summary_text)


@asynccontextmanager
async def _client_for(
    client: httpx.AsyncClient | None, concurrency: int
) -> AsyncIterator[httpx.AsyncClient]:
    if client is not None:
        yield client
        return
    async with make_client(max_connections=concurrency) as owned:
        yield owned


async def scan_feeds(
    feeds: Sequence[FeedSpec],
    *,
    seen: SeenLookup | None = None,
    progress: Progress | None = None,
    client: httpx.AsyncClient | None = None,
    concurrency: int = 50,
    on_outcome: OutcomeSink | None = None,
    parser: ParsePool | None = None,
) -> ScanReport:
    """Scan many feeds, at most `concurrency` at once, handing each outcome on when done."""
    semaphore = asyncio.Semaphore(concurrency)
    summary = ScanSummary()
    done = 0
    pool = parser or ParsePool()

    async with _client_for(client, concurrency) as shared:

        async def one(spec: FeedSpec) -> FeedOutcome:
            nonlocal done
            async with semaphore:
                outcome = await scan_feed(shared, spec, seen, pool)
            if on_outcome is not None:
                try:
                    await on_outcome(outcome)
                except Exception:
                    logger.exception("storing the outcome of feed %s failed", spec.feed_id)
            summary.add(outcome)
            done += 1
            if progress is not None:
                try:
                    progress(done, len(feeds), outcome)
                except Exception:
                    logger.exception("progress callback failed")
            return outcome

        try:
            outcomes = await asyncio.gather(*(one(spec) for spec in feeds))
        finally:
            if parser is None:
                pool.close()
    return ScanReport(tuple(outcomes), summary)
