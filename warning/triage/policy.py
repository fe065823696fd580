"""Whether a new warning starts as a proposal (待研判), and the key it holds while it is one.

A proposal and an issued warning never share an open key: a proposal holds its (risk point,
subject) under `proposal_key`, an issued warning under the subject's own key. So a signal
that asks for 研判 (a petition, say) never joins a warning the department already sees, and
a signal issued at once never waits in, or is issued with, a proposal: the department learns
nothing of a petition until the office issues or merges it (`docs/triage.md`).
"""

from collections.abc import Iterable

DEFAULT_TRIAGE_DAYS = 3  # 研判期限 in working days, unless settings say otherwise
PROPOSAL_KEY_SUFFIX = "#proposal"


def proposes(channel: bool, rules: Iterable[bool | None]) -> bool:
    """Return whether a warning raised by these rules on this channel is a proposal.

    A rule's own `triage` overrides the channel's; when the rules that raised one warning
    disagree, a proposal wins (the office may always issue it at once).
    """
    settings = [r for r in rules if r is not None]
    if settings:
        return any(settings)
    return channel


def warning_key(subject_key: str, proposal: bool) -> str:
    """Return the open key a warning about `subject_key` holds: its own, or as a proposal."""
    return subject_key + PROPOSAL_KEY_SUFFIX if proposal else subject_key


def issued_key(key: str) -> str:
    """Return the key a proposal holding `key` takes when it is issued."""
    return key.removesuffix(PROPOSAL_KEY_SUFFIX)
