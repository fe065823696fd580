"""Make the channels table match the channel files.

A feed channel's row also holds its scan state: the address a 301 moved it to, its
ETag and Last-Modified, the `gone` mark of a 410 and its failures in a row. That state
belongs to the address in the file. When the file names a new address the state is
cleared, so the new address is polled fresh: no stale validators (a 304 for a feed never
fetched), no 410 mark stopping it, no backoff earned by the old one. Any other edit keeps
the state, including the address a 301 moved the feed to. The entries already seen are
kept: a site that changes address mostly serves the same stories, which must not become
signals twice.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.channels.definition import ChannelDefinition
from warning.channels.loader import ChannelProblem, definition_hash
from warning.db.models import Channel, Department


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    disabled: int


def sync_channels(session: Session, definitions: Sequence[ChannelDefinition]) -> SyncReport:
    """Insert or update a row per definition; disable rows whose file is gone."""
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    unknown = [
        ChannelProblem("channels", 0, d.id, f"default_department“{d.default_department}”不存在")
        for d in definitions
        if d.default_department and d.default_department not in departments
    ]
    if unknown:
        from warning.channels.loader import ChannelFileError

        raise ChannelFileError(unknown)
    rows = {c.code: c for c in session.scalars(select(Channel))}
    added = updated = 0
    for definition in definitions:
        row = rows.pop(definition.id, None)
        if row is None:
            row = Channel(code=definition.id)
            session.add(row)
            added += 1
        elif row.definition_hash != definition_hash(definition) or not row.enabled:
            updated += 1
        _apply(row, definition, departments)
    for row in rows.values():
        row.enabled = False
    return SyncReport(added, updated, len(rows))


def _apply(row: Channel, definition: ChannelDefinition, departments: dict[str, int]) -> None:
    row.name = definition.name
    row.kind = definition.kind.value
    row.confidential = definition.confidential
    row.default_department_id = departments.get(definition.default_department or "")
    new_url = definition.feed.url if definition.feed else ""
    if new_url != _file_url(row) or (new_url and not row.url):
        reset_feed_state(row, new_url)
    row.definition = definition.model_dump(mode="json", by_alias=True)
    row.definition_hash = definition_hash(definition)
    row.enabled = definition.enabled


def _file_url(row: Channel) -> str:
    """Return the feed address the row's stored definition named ("" if none)."""
    feed = (row.definition or {}).get("feed")
    return str(feed.get("url") or "") if isinstance(feed, dict) else ""


def reset_feed_state(row: Channel, url: str) -> None:
    """Point a channel row at `url` with no state carried over from its old address."""
    row.url = url
    row.etag = ""
    row.last_modified = ""
    row.gone = False
    row.consecutive_failures = 0
    row.last_status = ""
    row.last_error = ""
