"""Inflate a compressed body as it streams in, and stop the moment it passes the cap.

httpx decodes Content-Encoding itself, one network chunk at a time, with no bound on
what a chunk inflates to: a 64 KB gzip chunk of zeros becomes 64 MB before the caller
can count it, per concurrent feed. So the scanner reads the raw bytes and inflates them
here with `zlib.decompressobj(...).decompress(data, max_length)`, which never produces
more than asked for: memory stays at the cap plus one chunk whatever the ratio.
"""

import zlib

ACCEPT_ENCODING = "gzip, deflate"
GZIP_WBITS = 16 + zlib.MAX_WBITS
ZLIB_WBITS = zlib.MAX_WBITS
RAW_WBITS = -zlib.MAX_WBITS


class BodyTooLarge(Exception):
    """The body passed the cap once inflated."""


class BadEncoding(Exception):
    """The Content-Encoding is unknown, or the compressed bytes are corrupt."""


class Inflater:
    """Inflate one body's chunks (identity, gzip, deflate), refusing past `max_bytes`."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BadEncoding(f"不支持的内容压缩编码 (Content-Encoding: {content_encoding})")
        self.coding = codings[0] if codings else None
        self.max_bytes = max_bytes
        self.size = 0
        self.parts: list[bytes] = []
        self._zlib: zlib._Decompress | None = None
        if self.coding is not None:
            self._zlib = zlib.decompressobj(GZIP_WBITS if "gzip" in self.coding else ZLIB_WBITS)

    def feed(self, data: bytes) -> None:
        """Add one raw chunk; raise BodyTooLarge as soon as the output passes the cap."""
        if self._zlib is None:
            self._keep(data)
            return
        try:
            self._inflate(data)
        except zlib.error as error:
            if self.coding == "deflate" and self.size == 0 and not self.parts:
                # Some servers send raw deflate (no zlib header) as "deflate".
                self._zlib = zlib.decompressobj(RAW_WBITS)
                self.coding = "raw-deflate"
                self._inflate(data)
                return
            raise BadEncoding(f"内容压缩编码错误 ({self.coding}: {error})") from error

    def body(self) -> bytes:
        """Return the whole inflated body."""
        if self._zlib is not None:
            self._keep(self._zlib.flush(self.max_bytes + 1 - self.size))
        return b"".join(self.parts)

    def _inflate(self, data: bytes) -> None:
        assert self._zlib is not None
        while data:
            room = self.max_bytes + 1 - self.size
            self._keep(self._zlib.decompress(data, room))
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data and "gzip" in (self.coding or ""):
                # Another gzip member follows (concatenated gzip is valid).
                data = self._zlib.unused_data + data
                self._zlib = zlib.decompressobj(GZIP_WBITS)

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise BodyTooLarge(self.size)
        if chunk:
            self.parts.append(chunk)
