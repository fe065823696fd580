"""The one Content-Disposition every download carries (RFC 6266, filename* per RFC 5987)."""

import unicodedata
from urllib.parse import quote

DEFAULT_NAME = "download"
# controls (CR, LF, tab), format characters (a right-to-left override turns "报告\u202etxt.exe"
# into "报告exe.txt" on screen), line separators and lone surrogates (which UTF-8 cannot hold)
UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def download_name(filename: str) -> str:
    """Return the name a browser should save `filename` as: path separators, controls and
    invisible format characters each become _, and a blank name becomes "download"."""
    name = "".join("_" if c in "/\\" or unicodedata.category(c) in UNSAFE_CATEGORIES else c
                   for c in filename).strip()
    return name or DEFAULT_NAME


def attachment_disposition(filename: str, ascii_name: str | None = None) -> str:
    """Return `attachment; filename="..."; filename*=UTF-8''...` for `filename`.

    filename= is the fallback for old clients: `ascii_name` (or the name itself) with each
    character outside printable ASCII, and each of " \\ % ; (which some parsers misread in a
    quoted string), as _. filename*= is the whole name, UTF-8 and percent-encoded.
    """
    name = download_name(filename)
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%;' else "_"
                       for c in download_name(name if ascii_name is None else ascii_name))
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
