"""Make the channels table match the channel files."""

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
    row.definition = definition.model_dump(mode="json", by_alias=True)
    new_hash = definition_hash(definition)
    if (definition.feed is not None and row.url == "") or row.definition_hash != new_hash:
        row.url = definition.feed.url if definition.feed else ""
    row.definition_hash = new_hash
    row.enabled = definition.enabled
