"""Tamper-evident event trail: each event's hash covers its fields and the previous hash."""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

HASHED_FIELDS = (
    "record_id", "seq", "action", "from_state", "to_state", "actor", "comment", "data",
    "created_at",
)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"cannot hash {type(value).__name__}")


def canonical(fields: Mapping[str, object]) -> bytes:
    """Return the canonical JSON of an event's hashed fields."""
    chosen = {name: fields.get(name) for name in HASHED_FIELDS}
    text = json.dumps(
        chosen, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )
    return text.encode("utf-8")


def event_hash(fields: Mapping[str, object], prev_hash: str) -> str:
    """Return the sha256 hex of an event chained to `prev_hash`."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(fields))
    return digest.hexdigest()
