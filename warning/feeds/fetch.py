"""Fetch one feed over HTTP: conditional GET, redirects, limits and error kinds.

The body is read raw and inflated by `warning.feeds.inflate`, never by httpx, so a gzip
or deflate bomb stops at the cap instead of inflating whole in memory. A server's
Content-Location names the document's own address, which is the base for its relative
links (RFC 9110 §8.7); it is kept as `base_url`.
"""

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

from warning.feeds.inflate import ACCEPT_ENCODING, BadEncoding, BodyTooLarge, Inflater

USER_AGENT = "Qingfeng/0.1 (integrity-risk opinion scanner)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
MAX_REDIRECTS = 5
PERMANENT_REDIRECTS = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024


class FetchKind(StrEnum):
    """How one fetch ended."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    MOVED = "moved"
    GONE = "gone"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    TOO_LARGE = "too_large"


BODY_KINDS = frozenset({FetchKind.OK, FetchKind.MOVED})


@dataclass(frozen=True)
class FeedState:
    """What the caller keeps between scans of one feed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    gone: bool = False


@dataclass(frozen=True)
class FetchOptions:
    """Per-feed limits: connect, total and parse timeouts in seconds, body cap in bytes."""

    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_bytes: int = 5_000_000
    parse_timeout: float = 30.0


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch.

    `kind` MOVED means a chain of permanent redirects (301/308) ended in a 2xx: the body
    is the feed at `new_url`, which the caller stores as the feed's URL. `new_url` is also
    set on a 304 reached through permanent redirects. Temporary redirects (302/303/307)
    are followed and never stored. `error` is Chinese, then the technical detail.
    """

    kind: FetchKind
    url: str
    status_code: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None
    error: str | None = None
    base_url: str | None = None

    @property
    def has_body(self) -> bool:
        """Tell whether the result carries a feed body to parse."""
        return self.kind in BODY_KINDS

    @property
    def content_type(self) -> str | None:
        """Return the response's Content-Type header, if any."""
        return self.headers.get("content-type")


def make_client(*, max_connections: int = 50) -> httpx.AsyncClient:
    """Build the shared client: no automatic redirects, bounded connection pool."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncClient(
        follow_redirects=False,
        limits=limits,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(15.0, connect=5.0),
    )


def conditional_headers(state: FeedState) -> dict[str, str]:
    """Return If-None-Match / If-Modified-Since headers for the state's validators."""
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def fetch_feed(
    client: httpx.AsyncClient, state: FeedState, options: FetchOptions | None = None
) -> FetchResult:
    """Fetch the feed at `state.url` once, within the options' time and size limits."""
    options = options or FetchOptions()
    try:
        async with asyncio.timeout(options.total_timeout):
            return await _fetch(client, state, options)
    except TimeoutError:
        return _failed(
            FetchKind.TIMEOUT, state.url, f"请求超时 (total {options.total_timeout:g}s exceeded)"
        )
    except httpx.TimeoutException as error:
        return _failed(FetchKind.TIMEOUT, state.url, _timeout_message(error, options))
    except (httpx.RequestError, httpx.InvalidURL) as error:
        return _failed(FetchKind.NETWORK_ERROR, state.url, network_message(error))


async def _fetch(client: httpx.AsyncClient, state: FeedState, options: FetchOptions) -> FetchResult:
    timeout = httpx.Timeout(options.total_timeout, connect=options.connect_timeout)
    headers = conditional_headers(state)
    url, new_url, permanent = state.url, None, True
    for _ in range(MAX_REDIRECTS + 1):
        request = client.build_request("GET", url, headers=headers, timeout=timeout)
        response = await client.send(request, stream=True)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                url = str(response.url.join(location))
                permanent = permanent and response.status_code in PERMANENT_REDIRECTS
                new_url = url if permanent else new_url
                continue
            return await _final(response, state, options, new_url)
        finally:
            await response.aclose()
    return _failed(
        FetchKind.HTTP_ERROR, state.url, f"重定向次数过多 (more than {MAX_REDIRECTS} redirects)"
    )


async def _final(
    response: httpx.Response, state: FeedState, options: FetchOptions, new_url: str | None
) -> FetchResult:
    code = response.status_code
    headers = {key.lower(): value for key, value in response.headers.items()}
    common = {"url": state.url, "status_code": code, "headers": headers, "new_url": new_url}
    if code == 304:
        return FetchResult(
            FetchKind.NOT_MODIFIED,
            etag=headers.get("etag", state.etag),
            last_modified=headers.get("last-modified", state.last_modified),
            **common,
        )
    if code == 410:
        return FetchResult(FetchKind.GONE, error="订阅源已永久删除 (HTTP 410 Gone)", **common)
    if not 200 <= code < 300:
        reason = response.reason_phrase or "error"
        return FetchResult(
            FetchKind.HTTP_ERROR, error=f"服务器返回错误 (HTTP {code} {reason})", **common
        )
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > options.max_bytes:
        return FetchResult(FetchKind.TOO_LARGE, error=_too_large(options, declared), **common)
    try:
        body = await _read_capped(response, options.max_bytes)
    except BodyTooLarge:
        return FetchResult(FetchKind.TOO_LARGE, error=_too_large(options, None), **common)
    except BadEncoding as error:
        return FetchResult(FetchKind.NETWORK_ERROR, error=str(error), **common)
    location = headers.get("content-location")
    return FetchResult(
        FetchKind.MOVED if new_url else FetchKind.OK,
        body=body,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        base_url=str(response.url.join(location)) if location else str(response.url),
        **common,
    )


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Read the raw body and inflate it, raising BodyTooLarge as soon as it passes the cap."""
    inflater = Inflater(response.headers.get("content-encoding"), max_bytes)
    async for chunk in response.aiter_raw(CHUNK_SIZE):
        inflater.feed(chunk)
    return inflater.body()


def _too_large(options: FetchOptions, declared: str | None) -> str:
    detail = f"Content-Length {declared}" if declared else "body kept growing once inflated"
    return f"内容过大，已停止下载 (over {options.max_bytes} bytes; {detail})"


def _failed(kind: FetchKind, url: str, error: str) -> FetchResult:
    return FetchResult(kind, url=url, error=error)


def _timeout_message(error: httpx.TimeoutException, options: FetchOptions) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"连接超时 (connect timeout after {options.connect_timeout:g}s)"
    if isinstance(error, httpx.PoolTimeout):
        return f"等待连接池超时 (pool timeout: {error})"
    return f"读取超时 ({type(error).__name__}: {error})"


NETWORK_CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (socket.gaierror, "域名解析失败"),
    (ConnectionRefusedError, "连接被拒绝"),
    (ConnectionResetError, "连接被重置"),
    (ssl.SSLError, "TLS/证书错误"),
    (httpx.RemoteProtocolError, "服务器协议错误或连接中断"),
    (httpx.UnsupportedProtocol, "不支持的地址协议"),
    (httpx.InvalidURL, "无效的地址"),
    (httpx.DecodingError, "内容压缩编码错误"),
)


def network_message(error: BaseException) -> str:
    """Name a network failure in Chinese (DNS, refused, reset, TLS...) with its detail."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    detail = f"{type(error).__name__}: {error}".rstrip(": ")
    text = " ".join(str(link) for link in chain)
    for cause_type, label in NETWORK_CAUSES:
        if any(isinstance(link, cause_type) for link in chain):
            return f"{label} ({detail})"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"域名解析失败 ({detail})"
    if "Connection refused" in text:
        return f"连接被拒绝 ({detail})"
    return f"网络错误 ({detail})"
