"""A real HTTP server on loopback that misbehaves in every way a feed host can."""

import socket
import struct
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"
ETAG = '"v1"'
LAST_MODIFIED = formatdate(1_736_128_800, usegmt=True)  # 2025-01-06 02:00:00 GMT
HUGE_BYTES = 50 * 1024 * 1024
CHUNK = b"<!-- " + b"x" * (64 * 1024 - 10) + b" -->\n"

# path -> (file under data/, Content-Type)
FILES = {
    "/rss_utf8.xml": ("rss_utf8.xml", "application/rss+xml; charset=utf-8"),
    "/atom_utf8.xml": ("atom_utf8.xml", "application/atom+xml"),
    "/rss_utf8_bom.xml": ("rss_utf8_bom.xml", "text/xml"),
    "/rss_gbk.xml": ("rss_gbk.xml", "text/xml; charset=GBK"),
    "/rss_gbk_nodecl.xml": ("rss_gbk_nodecl.xml", "text/xml; charset=gbk"),
    "/rss_gbk_latin1_header.xml": ("rss_gbk.xml", "text/xml; charset=ISO-8859-1"),
    "/rss_gb2312_lie.xml": ("rss_gb2312_lie.xml", "application/xml"),
    "/rss_gb2312_lie_header.xml": ("rss_gb2312_lie.xml", "text/xml; charset=gb2312"),
    "/rss_gb18030.xml": ("rss_gb18030.xml", "application/rss+xml"),
    "/rss_big5.xml": ("rss_big5.xml", "text/html"),
    "/rss_bozo.xml": ("rss_bozo.xml", "application/rss+xml"),
    "/page.html": ("page.html", "text/html; charset=utf-8"),
    "/garbage": ("garbage.bin", "application/octet-stream"),
}
REDIRECTS = {
    "/moved301.xml": (301, "/rss_utf8.xml"),
    "/moved308.xml": (308, "/atom_utf8.xml"),
    "/temp302.xml": (302, "/rss_utf8.xml"),
    "/temp307.xml": (307, "/rss_utf8.xml"),
    "/chain301to302.xml": (301, "/temp302.xml"),
    "/loop.xml": (302, "/loop.xml"),
}


class FeedHandler(BaseHTTPRequestHandler):
    """Route each test path to a behaviour."""

    protocol_version = "HTTP/1.1"
    server: "FeedServer"

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Serve one request."""
        self.server.hits.append(self.path)
        path = self.path.split("?", 1)[0]
        if path in self.server.extra:
            code, body, headers = self.server.extra[path]
            rest = {key: value for key, value in headers.items() if key != "Content-Type"}
            self._send(code, body, headers.get("Content-Type", "application/rss+xml"), rest)
        elif path in FILES:
            name, content_type = FILES[path]
            self._send(200, (DATA / name).read_bytes(), content_type)
        elif path.startswith("/charset/"):
            self._labelled(path)
        elif path in REDIRECTS:
            code, target = REDIRECTS[path]
            self._send(code, b"", "text/plain", {"Location": target})
        elif path == "/padded.xml":
            padding = b"<!-- " + b"p" * 400_000 + b" -->"
            body = (
                (DATA / "rss_utf8.xml").read_bytes().replace(b"<channel>", b"<channel>" + padding)
            )
            self._send(200, body, "application/rss+xml")
        elif path == "/conditional.xml":
            self._conditional()
        elif path == "/gone.xml":
            self._send(410, b"gone", "text/plain")
        elif path == "/error500":
            self._send(500, b"<h1>Internal Server Error</h1>", "text/html")
        elif path == "/hang":
            self.server.release.wait(30)
            self._send(200, b"too late", "text/plain")
        elif path == "/huge":
            self._huge_chunked()
        elif path == "/huge_declared":
            self._huge_declared()
        elif path == "/reset":
            self._reset()
        else:
            self._send(404, b"not found", "text/plain")

    def _send(
        self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _labelled(self, path: str) -> None:
        """Serve /charset/<label>/<file> with that charset in Content-Type ("none": no charset)."""
        _, _, label, name = path.split("/", 3)
        target = DATA / name
        if target.parent != DATA or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        charset = "" if label == "none" else f"; charset={label}"
        self._send(200, target.read_bytes(), f"application/rss+xml{charset}")

    def _conditional(self) -> None:
        validators = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        fresh = (
            match == ETAG
            if match
            else bool(
                since and parsedate_to_datetime(since) >= parsedate_to_datetime(LAST_MODIFIED)
            )
        )
        if fresh:
            self.send_response(304)
            for key, value in validators.items():
                self.send_header(key, value)
            self.end_headers()
            return
        body = (DATA / "rss_utf8.xml").read_bytes()
        self._send(200, body, "application/rss+xml; charset=utf-8", validators)

    def _huge_chunked(self) -> None:
        """Stream 50 MB with chunked encoding: never built in memory, no Content-Length."""
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            while sent < HUGE_BYTES:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sent += len(CHUNK)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.server.aborted.append(sent)
        self.close_connection = True

    def _huge_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        try:
            for _ in range(HUGE_BYTES // len(CHUNK)):
                self.wfile.write(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP RST before answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class FeedServer(ThreadingHTTPServer):
    """The threaded server, with a release switch for hanging requests and a hit log."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 drops SYNs when tests open many connections at
    # once on a busy machine; the retried SYN then lands past a 1 s connect timeout.
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.release = threading.Event()
        self.hits: list[str] = []
        self.aborted: list[int] = []
        # path -> (status, body, headers): documents a test or bench adds at run time
        self.extra: dict[str, tuple[int, bytes, dict[str, str]]] = {}

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that hang up early: the tests do that on purpose."""

    @property
    def base_url(self) -> str:
        """Return http://127.0.0.1:port."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_server() -> tuple[FeedServer, threading.Thread]:
    """Start the server on a free loopback port in a daemon thread."""
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop_server(server: FeedServer, thread: threading.Thread) -> None:
    """Release hanging requests and stop the server."""
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
