"""Find signals given again under a stored (channel, external id) with other content.

A signal is stored once per (channel, external id) and never rewritten: it is the record
of what arrived, and its evaluation and warnings follow from it. A re-run of a file is
therefore counted as 已存在 and changes nothing. A row that reuses a stored key with a
different title, text, department, person, post, amount or time is not a re-run: its
content is not stored, and the import names it (file line, key, stored signal) instead of
counting it as 已存在 in silence; the API answers such a POST with 409.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Signal
from warning.db.value_list import among
from warning.runtime import Runtime
from warning.services.directory import Directory
from warning.services.signal_input import SignalIn
from warning.services.signal_rows import signal_row

COMPARED = ("title", "text", "department_id", "person", "post", "amount", "occurred_at")
LABELS = {"title": "标题", "text": "正文", "department_id": "部门", "person": "人员",
          "post": "岗位", "amount": "金额", "occurred_at": "发生时间"}
CHUNK = 1000


@dataclass(frozen=True)
class Differing:
    """A file row whose key is stored with other content; `fields` name what differs."""

    line: int
    external_id: str
    signal_id: int
    fields: tuple[str, ...]

    def message(self) -> str:
        shown = "、".join(LABELS[f] for f in self.fields)
        return (f"外部编号“{self.external_id}”已存在 (信号 #{self.signal_id})，但{shown}与已存储"
                "的不同: 未更新 (a stored signal is never rewritten; give a new external id "
                "for new content)")


def differing_rows(
    runtime: Runtime, rows: Iterator[tuple[int, SignalIn]], ids: array[int],
) -> list[Differing]:
    """Compare each good row of a file (in file order, as `ids` holds their stored ids)
    with the signal stored under its key; return those that differ."""
    with runtime.sessions() as session:
        directory = runtime.intake.directory(session)
    found: list[Differing] = []
    position = 0
    while chunk := list(islice(rows, CHUNK)):
        chunk_ids = ids[position : position + len(chunk)]
        position += len(chunk)
        with runtime.sessions() as session:
            stored = {row[0]: row[1:] for row in session.execute(
                select(Signal.id, *(getattr(Signal, f) for f in COMPARED))
                .where(among(Signal.id, list(set(chunk_ids)))))}
        for (line, item), signal_id in zip(chunk, chunk_ids, strict=True):
            fields = _differing(signal_row(item, directory), stored[signal_id])
            if fields:
                found.append(Differing(line, item.external_id, signal_id, fields))
    return found


def stored_differs(
    session: Session, directory: Directory, signal_id: int, item: SignalIn,
) -> tuple[str, ...]:
    """Return the fields in which `item` differs from the signal stored as `signal_id`."""
    stored = session.execute(select(*(getattr(Signal, f) for f in COMPARED))
                             .where(Signal.id == signal_id)).one()
    return _differing(signal_row(item, directory), tuple(stored))


def _differing(given: dict[str, Any], stored: tuple[Any, ...]) -> tuple[str, ...]:
    # aware instants compare whatever their zone; amounts are stored to 2 places as given
    return tuple(name for name, value in zip(COMPARED, stored, strict=True)
                 if given[name] != value)
