"""Refusals of the petition services, each with a stable code."""

from warning.domain.lifecycle import DomainError


class PetitionRefused(DomainError):
    """A petition that cannot be accepted as given; `field` names what is wrong."""

    code = "invalid_petition"


class RevealRefused(DomainError):
    """A reveal the caller may not make or did not justify."""

    code = "reveal_refused"


class ReporterNotFound(DomainError):
    """No reporter is stored for the signal, or the receipt code is unknown."""

    code = "not_found"


class ReporterKeyError(DomainError):
    """The reporter key is missing, malformed or does not open the stored identities."""

    code = "reporter_key"


class ReplyChanged(DomainError):
    """The reply was changed by someone else after the form was drawn."""

    code = "reply_changed"
