"""Scanning many feeds: isolation, 304/301/410 rules, new/edited/dropped counting."""

import asyncio
from collections.abc import Mapping, Sequence

from feed_server import ETAG, FeedServer

from warning.feeds.fetch import FeedState, FetchKind, FetchOptions
from warning.feeds.parse import ParseStatus
from warning.feeds.prefilter import Prefilter
from warning.feeds.scan import FeedOutcome, FeedSpec, ScanReport, SeenLookup, scan_feeds

OPTIONS = FetchOptions(connect_timeout=1.0, total_timeout=1.5, max_bytes=1_000_000)
PREFILTER = Prefilter(keywords=["受贿", "违规"], departments=["交通局", "采购部"], people=["张伟"])


def spec(feed_id: str, url: str, **state: object) -> FeedSpec:
    return FeedSpec(feed_id, FeedState(url=url, **state), PREFILTER, OPTIONS)  # type: ignore[arg-type]


def scan(specs: list[FeedSpec], seen: SeenLookup | None = None, **kwargs: object) -> ScanReport:
    return asyncio.run(scan_feeds(specs, seen=seen, **kwargs))  # type: ignore[arg-type]


def by_id(report: ScanReport) -> dict[str, FeedOutcome]:
    return {outcome.feed_id: outcome for outcome in report.outcomes}


def test_bad_feeds_are_recorded_and_the_others_scanned(base_url: str) -> None:
    specs = [
        spec("good", f"{base_url}/rss_utf8.xml"),
        spec("atom", f"{base_url}/atom_utf8.xml"),
        spec("hang", f"{base_url}/hang"),
        spec("html", f"{base_url}/page.html"),
        spec("e500", f"{base_url}/error500"),
        spec("huge", f"{base_url}/huge"),
        spec("garbage", f"{base_url}/garbage"),
        spec("bozo", f"{base_url}/rss_bozo.xml"),
    ]
    ticks: list[tuple[int, int, str]] = []
    report = scan(specs, progress=lambda done, total, o: ticks.append((done, total, o.feed_id)))
    out = by_id(report)
    assert [o.feed_id for o in report.outcomes] == [s.feed_id for s in specs]
    assert out["hang"].kind is FetchKind.TIMEOUT
    assert out["e500"].kind is FetchKind.HTTP_ERROR
    assert out["huge"].kind is FetchKind.TOO_LARGE
    for name in ("html", "garbage"):
        assert out[name].kind is FetchKind.OK
        assert out[name].parse_status is ParseStatus.MALFORMED
        assert out[name].state.consecutive_failures == 1
    for name in ("hang", "e500", "huge", "html", "garbage"):
        assert out[name].failed and out[name].errors and not out[name].items
    assert [item.item.key for item in out["good"].items] == ["a1"]
    assert out["good"].new == 3 and out["good"].dropped == 2
    assert out["good"].items[0].relevance.department == "交通局"
    assert out["good"].items[0].relevance.person == "张伟"
    assert out["atom"].items[0].item.key == "urn:example:a1"
    assert out["bozo"].parse_status is ParseStatus.BOZO and not out["bozo"].failed
    assert [i.item.key for i in out["bozo"].items] == ["b1"]  # b2 names no subject
    summary = report.summary
    assert (summary.feeds, summary.fetched, summary.errors) == (8, 5, 5)
    assert (summary.new, summary.relevant, summary.dropped) == (8, 3, 5)
    assert sorted(t[0] for t in ticks) == list(range(1, 9))
    assert {t[1] for t in ticks} == {8}


def test_304_skips_parsing_and_keeps_validators(base_url: str) -> None:
    first = by_id(scan([spec("c", f"{base_url}/conditional.xml")]))["c"]
    assert first.kind is FetchKind.OK and first.state.etag == ETAG
    again = by_id(scan([FeedSpec("c", first.state, PREFILTER, OPTIONS)]))["c"]
    assert again.kind is FetchKind.NOT_MODIFIED
    assert again.items == () and again.new == 0
    assert again.state == first.state


def test_301_moves_the_feed(base_url: str) -> None:
    report = scan([spec("m", f"{base_url}/moved301.xml")])
    outcome = by_id(report)["m"]
    assert outcome.kind is FetchKind.MOVED
    assert outcome.moved_to == outcome.state.url == f"{base_url}/rss_utf8.xml"
    assert [i.item.key for i in outcome.items] == ["a1"]
    assert report.summary.moved == 1


def test_410_stops_polling(base_url: str, feed_server: FeedServer) -> None:
    gone = by_id(scan([spec("g", f"{base_url}/gone.xml")]))["g"]
    assert gone.kind is FetchKind.GONE and gone.state.gone and gone.errors
    feed_server.hits.clear()
    report = scan([FeedSpec("g", gone.state, PREFILTER, OPTIONS)])
    assert by_id(report)["g"].kind is None
    assert report.summary.skipped == 1
    assert feed_server.hits == []


def test_seen_keys_are_not_new_and_changed_hashes_are_edited(base_url: str) -> None:
    first = by_id(scan([spec("f", f"{base_url}/rss_utf8.xml")]))["f"]
    stored = {i.item.key: i.item.content_hash for i in first.items}
    stored["a2"] = "an older hash"
    calls: list[tuple[str, list[str]]] = []

    def seen(feed_id: str, keys: Sequence[str]) -> Mapping[str, str | None]:
        calls.append((feed_id, list(keys)))
        return {key: stored[key] for key in keys if key in stored}

    report = scan([spec("f", f"{base_url}/rss_utf8.xml")], seen)
    outcome = by_id(report)["f"]
    assert calls == [("f", ["a1", "a2", "a3"])]
    assert outcome.items == ()
    assert [item.key for item in outcome.edited] == ["a2"]
    assert (outcome.new, outcome.dropped) == (1, 1)
    assert (report.summary.new, report.summary.edited) == (1, 1)


def test_async_seen_hook_returning_a_set(base_url: str) -> None:
    async def seen(feed_id: str, keys: Sequence[str]) -> set[str]:
        return {"a1"}

    outcome = by_id(scan([spec("f", f"{base_url}/rss_utf8.xml")], seen))["f"]
    assert outcome.items == () and outcome.edited == () and outcome.new == 2


def test_failing_seen_hook_is_that_feeds_error(base_url: str) -> None:
    def seen(feed_id: str, keys: Sequence[str]) -> set[str]:
        if feed_id == "bad":
            raise RuntimeError("db down")
        return set()

    report = scan(
        [spec("bad", f"{base_url}/rss_utf8.xml"), spec("ok", f"{base_url}/rss_utf8.xml")], seen
    )
    out = by_id(report)
    assert out["bad"].failed and "db down" in out["bad"].errors[0]
    assert out["bad"].kind is FetchKind.OK
    assert out["bad"].state.etag is None and out["bad"].state.consecutive_failures == 1
    assert len(out["ok"].items) == 1


def test_consecutive_failures_count_up_and_reset(base_url: str) -> None:
    state = FeedState(url=f"{base_url}/error500", consecutive_failures=2)
    failed = by_id(scan([FeedSpec("x", state, None, OPTIONS)]))["x"]
    assert failed.state.consecutive_failures == 3
    healed = FeedState(url=f"{base_url}/rss_utf8.xml", consecutive_failures=3)
    ok = by_id(scan([FeedSpec("x", healed, None, OPTIONS)]))["x"]
    assert ok.state.consecutive_failures == 0
    assert len(ok.items) == 3  # no prefilter: everything new is kept


def test_many_feeds_with_small_concurrency(base_url: str) -> None:
    specs = [spec(f"f{n}", f"{base_url}/rss_utf8.xml?n={n}") for n in range(40)]
    report = scan(specs, concurrency=4)
    assert report.summary.fetched == 40 and report.summary.relevant == 40


def test_large_body_parses_off_the_event_loop(base_url: str) -> None:
    report = scan([spec("p", f"{base_url}/padded.xml"), spec("s", f"{base_url}/rss_utf8.xml")])
    out = by_id(report)
    assert [i.item.key for i in out["p"].items] == [i.item.key for i in out["s"].items] == ["a1"]
