"""Who sees what, decided once: per entity, the WHERE clauses that keep a principal's rows.

Every read path (pages, API, exports, counts, badges, the review) starts from these finders,
in the style of GitLab's IssuesFinder: a list, its count and its export are built on the
same clause, so a new view cannot forget the rule.

- departments: all for admin, office and reviewer; a handler's own; a leader's supervised.
- warnings, handling records, their events and attachments: the warning's department.
- signals and cases: the signal's department, and a confidential channel's (信访举报) signals
  only for admin, office and reviewer; their text only for admin and office.
- timeline entries (warning_signals): as signals; the hidden ones are counted, not shown.
- rule hits (the rules page's counts): as signals, less the hits on proposals.
- a warning's subject: hidden from departments when the warning came from a confidential
  signal and names a person or post; such a warning holds its subject apart, so no direct
  signal about that person joins it and tells them (`warning.triage.policy.keeps_apart`).
- proposals (待研判 warnings, also once dismissed or merged): office and admin only, with
  their records, events and attachments; the review counts issued warnings only. Once a
  proposal is issued, its 研判 trail (the propose and amend events and the notes written
  while it was a proposal, with their files: the office's comments, and the subject as the
  petition named it) stays with the office; the others' trail starts at 下达, and for them
  the warning was raised when it was issued (`shown_raised_at`).
- the office's 研判 decisions on signals (不予处理, 重复信号): office and admin only, on every
  page and list that shows a signal (`reads_signal_decisions`).
  A signal that asks for 研判 never joins a warning a department sees, nor one issued at
  once a proposal: they hold different keys (`warning.triage.policy`).
- notices: office and admin only (checked by role on the route).
- review figures and counts: department scope, plus the signal rule for signal counts.
- a reporter's receipt lookup (回执查询, no sign-in): only what happened since the report came
  in. A report that joins an open warning or a case the office already handles reads 已受理,
  not 办理中, and one that joins a case closed before it reads 已受理, not 已办结: else anyone
  could file a look-alike report and learn whether others had reported the same matter.

`principal=None` is the command line, which sees everything.
"""

from warning.auth.visibility.departments import (
    S,
    department_clause,
    scope_parameters,
    scope_template,
    supervised_department_ids,
    visible_departments,
)
from warning.auth.visibility.receipts import (
    reporter_progress,
)
from warning.auth.visibility.risk_warnings import (
    HIDDEN_SUBJECT,
    HIDDEN_SUBJECT_KINDS,
    NOTICE_READERS,
    PROPOSAL_READERS,
    PROPOSED_STATE,
    TRIAGE_DATA,
    TRIAGE_TRAIL,
    proposal_clause,
    proposals_only,
    reads_notices,
    reads_proposals,
    reads_signal_decisions,
    reviewed_raised_at,
    reviewed_warnings,
    shown_event_start,
    shown_raised_at,
    shown_raised_order,
    shown_subject,
    subject_hidden,
    visible_events,
    visible_rule_hits,
    visible_warnings,
)
from warning.auth.visibility.signals import (
    CONFIDENTIAL_TEXT_READERS,
    REDACTED_TEXT,
    confidential_channel_ids,
    hidden_signals_note,
    readable_text,
    reads_confidential_text,
    sees_cases,
    sees_confidential_signals,
    sees_every_signal,
    timeline_hides,
    visible_signals,
    visible_timeline,
)

__all__ = [
    "CONFIDENTIAL_TEXT_READERS",
    "HIDDEN_SUBJECT",
    "HIDDEN_SUBJECT_KINDS",
    "NOTICE_READERS",
    "PROPOSAL_READERS",
    "PROPOSED_STATE",
    "REDACTED_TEXT",
    "TRIAGE_DATA",
    "TRIAGE_TRAIL",
    "S",
    "confidential_channel_ids",
    "department_clause",
    "hidden_signals_note",
    "proposal_clause",
    "proposals_only",
    "readable_text",
    "reads_confidential_text",
    "reads_notices",
    "reads_proposals",
    "reads_signal_decisions",
    "reporter_progress",
    "reviewed_raised_at",
    "reviewed_warnings",
    "scope_parameters",
    "scope_template",
    "sees_cases",
    "sees_confidential_signals",
    "sees_every_signal",
    "shown_event_start",
    "shown_raised_at",
    "shown_raised_order",
    "shown_subject",
    "subject_hidden",
    "supervised_department_ids",
    "timeline_hides",
    "visible_departments",
    "visible_events",
    "visible_rule_hits",
    "visible_signals",
    "visible_timeline",
    "visible_warnings",
]
