"""A proposal holds its risk point and subject under a key of its own.

Revision ID: 0010c
Revises: 0010b
Create Date: 2026-12-10 02:00:00.000000

A proposal (待研判) and an issued warning about the same risk point and subject shared one
open key, so a petition that fired on a warning the department already handled joined it
at once (the department saw one more, hidden, signal and the regrade it caused before the
office had judged the petition), and an audit finding that fired on an open proposal issued
the proposal with the petition in it. Proposals now hold `subject_key` + '#proposal'
(warning.triage.policy) and take the plain key when issued. Every proposal row (open,
dismissed or merged: they keep `is_proposal`) is moved onto the new key.

Rule hits that asked for 研判 are kept on the proposal key too, so a petition counts toward
repeats that ask for 研判 and never toward a warning a department is shown. Stored hits are
moved when their signal came through a channel that proposes (its file's `triage`, else
whether it is confidential, as warning.services.directory.channel_proposes) or they are on
a proposal; a rule's own `triage` is not stored, so a hit that a rule's `triage: false`
sent straight through on such a channel is moved too (it then counts only for proposals).
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010c"
down_revision: str | None = "0010b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUFFIX = "#proposal"
UPGRADE = (f"UPDATE warnings SET subject_key = subject_key || '{SUFFIX}' "
           f"WHERE is_proposal AND subject_key NOT LIKE '%{SUFFIX}'")
# Back onto the shared key where no other open warning holds it; an open proposal beside an
# open issued warning keeps its own key (the old code treats it as another subject, and the
# one-open-warning index still holds).
_PLAIN = f"substr(warnings.subject_key, 1, length(warnings.subject_key) - {len(SUFFIX)})"
DOWNGRADE = (
    f"UPDATE warnings SET subject_key = {_PLAIN} "
    f"WHERE is_proposal AND subject_key LIKE '%{SUFFIX}' AND NOT (is_open AND EXISTS ("
    f"SELECT 1 FROM warnings other WHERE other.is_open AND other.id <> warnings.id "
    f"AND other.risk_point_id = warnings.risk_point_id AND other.subject_key = {_PLAIN}))")


HITS_UP = (f"UPDATE rule_hits SET subject_key = subject_key || '{SUFFIX}' "
           f"WHERE subject_key NOT LIKE '%{SUFFIX}' AND (warning_id IN "
           f"(SELECT id FROM warnings WHERE is_proposal) OR signal_id IN "
           f"(SELECT id FROM signals WHERE channel_id IN (SELECT value FROM proposing)))")
HITS_DOWN = (f"UPDATE rule_hits SET subject_key = substr(subject_key, 1, "
             f"length(subject_key) - {len(SUFFIX)}) WHERE subject_key LIKE '%{SUFFIX}'")


def proposing_channels(conn: sa.Connection) -> list[int]:
    """Return the ids of the channels whose signals ask for 研判 (channel_proposes)."""
    out = []
    for channel_id, confidential, definition in conn.execute(
            sa.text("SELECT id, confidential, definition FROM channels")):
        if isinstance(definition, str):
            definition = json.loads(definition or "{}")
        triage = (definition or {}).get("triage")
        if (bool(confidential) if triage is None else bool(triage)):
            out.append(int(channel_id))
    return out


def move_hits(conn: sa.Connection) -> None:
    """Move the stored hits that asked for 研判 onto their proposal keys."""
    conn.execute(sa.text("CREATE TEMPORARY TABLE proposing (value INTEGER PRIMARY KEY)"))
    ids = proposing_channels(conn)
    if ids:
        conn.execute(sa.text("INSERT INTO proposing (value) VALUES (:value)"),
                     [{"value": i} for i in ids])
    conn.execute(sa.text(HITS_UP))
    conn.execute(sa.text("DROP TABLE proposing"))


def upgrade() -> None:
    op.execute(UPGRADE)
    move_hits(op.get_bind())


def downgrade() -> None:
    op.execute(HITS_DOWN)
    op.execute(DOWNGRADE)
