"""Whether a new warning starts as a proposal (待研判): the rules' setting over the channel's."""

from collections.abc import Iterable

DEFAULT_TRIAGE_DAYS = 3  # 研判期限 in working days, unless settings say otherwise


def proposes(channel: bool, rules: Iterable[bool | None]) -> bool:
    """Return whether a warning raised by these rules on this channel is a proposal.

    A rule's own `triage` overrides the channel's; when the rules that raised one warning
    disagree, a proposal wins (the office may always issue it at once).
    """
    settings = [r for r in rules if r is not None]
    if settings:
        return any(settings)
    return channel
