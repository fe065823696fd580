"""Benchmark the feed scanner against 1,000 loopback feeds served from another process.

Run: python bench/feeds_bench.py [--feeds 1000] [--items 50] [--repeat 20] [--repeat-feeds 200]
Prints: first scan, all-304 scan, a scan of the same 1,000 feeds with one hostile feed of
each kind (tests/feeds/hostile_feeds.py) in place of as many ordinary ones, RSS across
repeated full scans (of the first --repeat-feeds feeds, to keep the run near 2-3
minutes), raw feedparser speed.
"""

import argparse
import asyncio
import multiprocessing
import resource
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.feeds.hostile_feeds, in this and the server process

DEPARTMENTS = ["交通局", "采购部", "财务部", "人事处", "基建办", "办公室"]
PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]
KEYWORDS = ["受贿", "违规", "公车私用", "吃请", "回扣", "挪用"]
EVENTS = ["召开会议", "开展植树活动", "发布通知", "涉嫌受贿被查", "违规发放补贴", "公车私用被通报"]


def feed_body(number: int, items: int) -> bytes:
    """Build feed `number`: RSS 2.0, every fifth one in GBK, with generated Chinese items."""
    encoding = "gbk" if number % 5 == 0 else "utf-8"
    entries = []
    for i in range(items):
        who = PEOPLE[(number + i) % len(PEOPLE)]
        where = DEPARTMENTS[(number * 7 + i) % len(DEPARTMENTS)]
        what = EVENTS[(number + i * 3) % len(EVENTS)]
        entries.append(
            f"<item><title>{where}{who}{what}</title>"
            f"<link>http://news.example.cn/{number}/{i}</link><guid>n{number}-{i}</guid>"
            f"<description>&lt;p&gt;据网友反映，某市{where}工作人员{who}{what}，"
            f"相关部门已介入调查。第{i}条。&lt;/p&gt;</description>"
            f"<pubDate>Mon, 06 Jan 2025 {i % 24:02d}:00:00 +0800</pubDate></item>"
        )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>舆情源{number}</title><link>http://news.example.cn/</link>"
        + "".join(entries)
        + "</channel></rss>"
    )
    return text.encode(encoding)


def serve(port_queue: Any, feeds: int, items: int) -> None:
    """Serve /feed/<n>.xml with ETag support from a uvicorn server in this process."""
    import uvicorn

    sys.path.insert(0, str(ROOT))
    from tests.feeds.hostile_feeds import hostile_feeds

    bodies = [feed_body(n, items) for n in range(feeds)]
    hostile = {f"/hostile/{kind}.xml": feed for kind, feed in hostile_feeds("").items()}

    async def app(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path in hostile:
            feed = hostile[path]
            extra = [(k.lower().encode(), v.encode()) for k, v in feed.headers.items()]
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/rss+xml"),
                (b"content-length", str(len(feed.body)).encode()), *extra,
            ]})
            await send({"type": "http.response.body", "body": feed.body})
            return
        number = int(path.rsplit("/", 1)[-1].split(".")[0]) if path.startswith("/feed/") else -1
        if not 0 <= number < feeds:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        etag = f'"{number}-v1"'.encode()
        headers = dict(scope["headers"])
        if headers.get(b"if-none-match") == etag:
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        body = bodies[number]
        response_headers = [
            (b"content-type", b"application/rss+xml"),
            (b"content-length", str(len(body)).encode()),
            (b"etag", etag),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port_queue.put(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def rss_mb() -> tuple[float, float]:
    """Return (current RSS, peak RSS) of this process in MB."""
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[1]) * resource.getpagesize()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return current / 2**20, peak_kb / 1024


async def run_scans(base_url: str, args: argparse.Namespace) -> float:
    """Time the first scan, the all-304 scan and the repeated scans; return first-scan time."""
    from warning.feeds.fetch import FeedState
    from warning.feeds.prefilter import Prefilter
    from warning.feeds.scan import FeedSpec, scan_feeds

    prefilter = Prefilter(keywords=KEYWORDS, departments=DEPARTMENTS, people=PEOPLE)
    fresh = [
        FeedSpec(f"f{n}", FeedState(url=f"{base_url}/feed/{n}.xml"), prefilter)
        for n in range(args.feeds)
    ]
    started = time.perf_counter()
    first = await scan_feeds(fresh, concurrency=args.concurrency)
    first_time = time.perf_counter() - started
    print(
        f"first scan:   {first_time:6.2f} s  {args.feeds / first_time:7.1f} feeds/s"
        f"  {first.summary}"
    )
    cached = [FeedSpec(o.feed_id, o.state, prefilter) for o in first.outcomes]
    started = time.perf_counter()
    second = await scan_feeds(cached, concurrency=args.concurrency)
    second_time = time.perf_counter() - started
    print(
        f"all-304 scan: {second_time:6.2f} s  {args.feeds / second_time:7.1f} feeds/s  "
        f"not_modified={second.summary.not_modified}"
    )
    await hostile_scan(base_url, args, prefilter, first_time)
    subset = fresh[: args.repeat_feeds]
    print(
        f"repeated full scans ({args.repeat} x {len(subset)} feeds, no validators): "
        "RSS current / peak MB after each"
    )
    for round_number in range(1, args.repeat + 1):
        started = time.perf_counter()
        report = await scan_feeds(subset, concurrency=args.concurrency)
        current, peak = rss_mb()
        elapsed = time.perf_counter() - started
        print(
            f"  scan {round_number:2d}: {elapsed:5.2f} s  items={report.summary.new:6d}  "
            f"rss={current:6.1f}  peak={peak:6.1f}"
        )
        del report
    return first_time


async def hostile_scan(
    base_url: str, args: argparse.Namespace, prefilter: Any, plain_time: float
) -> None:
    """Scan the feeds again, one hostile feed of each kind in place of as many plain ones."""
    from tests.feeds.hostile_feeds import KINDS
    from warning.feeds.fetch import FeedState, FetchOptions
    from warning.feeds.scan import FeedOutcome, FeedSpec, scan_feeds

    options = FetchOptions(parse_timeout=args.parse_timeout)
    kinds = list(KINDS)
    before = rss_mb()
    specs = [
        FeedSpec(f"h-{kind}", FeedState(url=f"{base_url}/hostile/{kind}.xml"), None, options)
        for kind in kinds
    ]
    specs += [
        FeedSpec(f"f{n}", FeedState(url=f"{base_url}/feed/{n}.xml"), prefilter, options)
        for n in range(len(kinds), args.feeds)
    ]
    done: dict[str, float] = {}
    started = time.perf_counter()

    async def arrived(outcome: FeedOutcome) -> None:
        done[outcome.feed_id] = time.perf_counter() - started

    report = await scan_feeds(specs, concurrency=args.concurrency, on_outcome=arrived)
    elapsed = time.perf_counter() - started
    plain = sorted(t for feed_id, t in done.items() if not feed_id.startswith("h-"))
    current, peak = rss_mb()
    print(
        f"hostile scan: {elapsed:6.2f} s  {len(specs)} feeds ({len(kinds)} hostile), "
        f"plain scan {plain_time:6.2f} s; ordinary feeds done by p50 "
        f"{plain[len(plain) // 2]:5.2f} s, p99 {plain[int(len(plain) * 0.99)]:5.2f} s; "
        f"rss {before[0]:6.1f} -> {current:6.1f}, peak {before[1]:6.1f} -> {peak:6.1f} MB"
    )
    for outcome in report.outcomes[: len(kinds)]:
        print(
            f"  {outcome.feed_id:20s} {done[outcome.feed_id]:6.2f} s  kind={outcome.kind}  "
            f"new={outcome.new:3d}  failed={outcome.failed}  "
            f"error={(outcome.errors or ('',))[0][:60]}"
        )
    print(f"  summary: {report.summary}")
    failures: dict[str, int] = {}
    for outcome in report.outcomes[len(kinds) :]:
        if outcome.failed:
            reason = outcome.errors[0][:40]
            failures[reason] = failures.get(reason, 0) + 1
    print(f"  ordinary feeds failed: {failures or 'none'}")


def raw_parse(args: argparse.Namespace) -> tuple[float, float]:
    """Time feedparser alone, then our parse_feed, on the same bodies from memory."""
    import io

    import feedparser

    from warning.feeds.parse import parse_feed

    bodies = [feed_body(n, args.items) for n in range(args.feeds)]
    started = time.perf_counter()
    for body in bodies:
        feedparser.parse(io.BytesIO(body))
    raw = time.perf_counter() - started
    started = time.perf_counter()
    for body in bodies:
        parse_feed(body, "application/rss+xml")
    ours = time.perf_counter() - started
    return raw, ours


def main() -> None:
    """Run the whole benchmark; the server process is always stopped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--repeat-feeds", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--parse-timeout", type=float, default=5.0)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    port_queue = context.Queue()
    server = context.Process(target=serve, args=(port_queue, args.feeds, args.items), daemon=True)
    server.start()
    try:
        port = port_queue.get(timeout=60)
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_listening(port)
        print(
            f"{args.feeds} feeds x {args.items} items on {base_url}, concurrency {args.concurrency}"
        )
        first_time = asyncio.run(asyncio.wait_for(run_scans(base_url, args), timeout=600))
    finally:
        server.terminate()
        server.join(10)
    raw, ours = raw_parse(args)
    print(f"raw feedparser, memory only: {raw:6.2f} s  {args.feeds / raw:7.1f} feeds/s")
    print(f"our parse_feed, memory only: {ours:6.2f} s  {args.feeds / ours:7.1f} feeds/s")
    print(f"first scan / raw feedparser = {first_time / raw:4.2f}x")


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("bench server did not start")


if __name__ == "__main__":
    main()
