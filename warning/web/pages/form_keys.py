"""One key per form shown, so the same form sent twice stores one thing.

A double click, or a reload that posts again, sends the form's key twice; the signal is
stored under an external id made from the key, and `(channel, external_id)` is unique, so
the second sending finds the first signal instead of logging a second one.
"""

import hashlib
import re
import secrets

FORM_KEY = "form_key"
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def kept_or_new(key: str) -> str:
    """Return `key` if it is a well-formed form key (a form shown again), else a new one."""
    return key if _KEY_SHAPE.fullmatch(key) else secrets.token_urlsafe(32)


def external_id_of(key: str) -> str | None:
    """Return the external id of what form key `key` stores (None: no usable key sent)."""
    if not _KEY_SHAPE.fullmatch(key):
        return None
    return f"WEB-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
