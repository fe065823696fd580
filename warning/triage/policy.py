"""Whether a new warning starts as a proposal (待研判), and the key it holds while it is one.

A proposal and an issued warning never share an open key: a proposal holds its (risk point,
subject) under `proposal_key`, an issued warning under the subject's own key. So a signal
that asks for 研判 (a petition, say) never joins a warning the department already sees, and
a signal issued at once never waits in, or is issued with, a proposal: the department learns
nothing of a petition until the office issues or merges it (`docs/triage.md`). Issued, a
petition's warning about a person or post still holds its subject apart (`keeps_apart`).
"""

from collections.abc import Iterable

DEFAULT_TRIAGE_DAYS = 3  # 研判期限 in working days, unless settings say otherwise
PROPOSAL_KEY_SUFFIX = "#proposal"
APART_KEY_SUFFIX = "#confidential"
# The subjects a warning raised from a confidential signal keeps from departments
# (warning.auth.visibility.HIDDEN_SUBJECT_KINDS is this).
APART_KINDS = ("person", "post")


def proposes(channel: bool, rules: Iterable[bool | None]) -> bool:
    """Return whether a warning raised by these rules on this channel is a proposal.

    A rule's own `triage` overrides the channel's; when the rules that raised one warning
    disagree, a proposal wins (the office may always issue it at once).
    """
    settings = [r for r in rules if r is not None]
    if settings:
        return any(settings)
    return channel


def keeps_apart(confidential: bool, subject_kind: str) -> bool:
    """Return whether an issued warning raised from a signal holds its subject apart.

    A warning a confidential signal (a petition) raised about a person or post hides that
    subject from departments (`subject_hidden`). Had it held the subject's own key, an audit
    finding naming the same person would join it, and the department, reading its own
    finding under that warning, would learn whom the petition named. So it holds the key +
    '#confidential': a direct signal raises or joins a warning of its own beside it.
    """
    return confidential and subject_kind in APART_KINDS


def warning_key(subject_key: str, proposal: bool, apart: bool = False) -> str:
    """Return the open key a warning about `subject_key` holds: its own, as a proposal, or
    apart (`keeps_apart`)."""
    if proposal:
        return subject_key + PROPOSAL_KEY_SUFFIX
    return subject_key + APART_KEY_SUFFIX if apart else subject_key


def issued_key(key: str, apart: bool = False) -> str:
    """Return the key a proposal holding `key` takes when it is issued."""
    return warning_key(key.removesuffix(PROPOSAL_KEY_SUFFIX), False, apart)


def subject_of_key(key: str) -> str:
    """Return the subject's own key, whichever way a warning holds it."""
    return key.removesuffix(PROPOSAL_KEY_SUFFIX).removesuffix(APART_KEY_SUFFIX)
