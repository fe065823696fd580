"""The routes a reporter uses without signing in: filing a report and following it.

The address such a request came from, beside the time a petition came in, would name an
anonymous reporter (on an intranet an address is a desk), so no log keeps it: not the
access log (warning.web.request_log), not the security log (warning.web.refusals), and
not nginx (deploy/nginx/qingfeng.conf).
"""

REPORTER_PATHS = frozenset({"/report", "/report/lookup", "/api/petitions/receipt"})


def kept_address(path: str, address: str) -> str:
    """Return the client address a log may keep for a request to `path`."""
    return "" if path in REPORTER_PATHS else address
