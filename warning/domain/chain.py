"""Tamper-evident event trail: each event's hash covers its fields and the previous hash."""

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache

HASHED_FIELDS = (
    "record_id", "seq", "action", "from_state", "to_state", "actor", "comment", "data",
    "created_at",
)


@lru_cache(maxsize=4096)
def _instant(value: datetime) -> str:
    # cached: the events of one batch share their moment, and strftime costs ~10 µs
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return _instant(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


# One encoder for every event: json.dumps with these options builds a new one each call.
_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
)


def canonical(fields: Mapping[str, object]) -> bytes:
    """Return the canonical JSON of an event's hashed fields."""
    chosen = {name: fields.get(name) for name in HASHED_FIELDS}
    return _ENCODER.encode(chosen).encode("utf-8")


def event_hash(fields: Mapping[str, object], prev_hash: str) -> str:
    """Return the sha256 hex of an event chained to `prev_hash`."""
    return chain_hash(prev_hash, canonical(fields))


def canonical_by_record(fields: Mapping[str, object]) -> Callable[[int], bytes]:
    """Return `record_id -> canonical(fields with that record_id)`.

    A batch opens thousands of records whose first events differ only in the record:
    the JSON is encoded once, with a marker where the record id goes (ints encode as
    their decimal digits), instead of once per event.
    """
    marker = -(10**30) - 7
    text = canonical({**fields, "record_id": marker})
    needle = f'"record_id":{marker}'.encode("ascii")
    head, found, tail = text.partition(needle)
    if not found or needle in head or needle in tail:
        raise ValueError("the record id marker appears elsewhere in the event")
    head += b'"record_id":'

    def of(record_id: int) -> bytes:
        if type(record_id) is not int:
            raise TypeError(f"record id must be an int, not {type(record_id).__name__}")
        return head + str(record_id).encode("ascii") + tail

    return of


def chain_hash(prev_hash: str, canonical_json: bytes) -> str:
    """Return the sha256 hex of an event's canonical JSON chained to `prev_hash`."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json).hexdigest()
