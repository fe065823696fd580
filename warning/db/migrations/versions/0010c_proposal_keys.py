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
"""

from collections.abc import Sequence

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


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
