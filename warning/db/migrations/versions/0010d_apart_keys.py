"""An issued warning raised from a petition about a person or post holds its subject apart.

Revision ID: 0010d
Revises: 0010c
Create Date: 2026-12-04 07:00:00.000000

Such a warning hides its subject from departments, but held the subject's own key, so an
audit finding naming the same person on the same risk point joined it, and the department
read its own finding under that warning: whom the petition named. It now holds
`subject_key` + '#confidential' (warning.triage.policy.keeps_apart), and a direct signal
raises or joins a warning of its own beside it. Every issued warning (open or closed)
whose first signal came through a confidential channel and whose subject is a person or a
post is moved onto the new key; a direct signal that already joined one stays where it is.

So are the rule hits of such signals that did not ask for 研判 (those are on the proposal
key since 0010c): a repeat rule counted them toward an audit finding about the same
person, and the department read a warning raised as the third hit after two petitions.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010d"
down_revision: str | None = "0010c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUFFIX = "#confidential"
ORIGIN = ("signal_id IN (SELECT s.id FROM signals s JOIN channels c ON c.id = s.channel_id "
          "WHERE c.confidential)")
UPGRADE = (f"UPDATE warnings SET subject_key = subject_key || '{SUFFIX}' "
           f"WHERE NOT is_proposal AND subject_kind IN ('person', 'post') "
           f"AND subject_key NOT LIKE '%{SUFFIX}' AND {ORIGIN}")
# Back onto the shared key where no other open warning holds it (the one-open-warning index).
_PLAIN = f"substr(warnings.subject_key, 1, length(warnings.subject_key) - {len(SUFFIX)})"
DOWNGRADE = (
    f"UPDATE warnings SET subject_key = {_PLAIN} "
    f"WHERE subject_key LIKE '%{SUFFIX}' AND NOT (is_open AND EXISTS ("
    f"SELECT 1 FROM warnings other WHERE other.is_open AND other.id <> warnings.id "
    f"AND other.risk_point_id = warnings.risk_point_id AND other.subject_key = {_PLAIN}))")


HITS_UP = (f"UPDATE rule_hits SET subject_key = subject_key || '{SUFFIX}' "
           f"WHERE (subject_key LIKE 'person:%' OR subject_key LIKE 'post:%') "
           f"AND subject_key NOT LIKE '%#proposal' AND subject_key NOT LIKE '%{SUFFIX}' "
           f"AND {ORIGIN}")
HITS_DOWN = (f"UPDATE rule_hits SET subject_key = substr(subject_key, 1, "
             f"length(subject_key) - {len(SUFFIX)}) WHERE subject_key LIKE '%{SUFFIX}'")


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(HITS_UP)


def downgrade() -> None:
    op.execute(HITS_DOWN)
    op.execute(DOWNGRADE)
