"""Refusals of the office's 研判 decisions; each names the form field it is about."""

from warning.domain.input_text import MAX_ID as MAX_ID
from warning.domain.lifecycle import DomainError


class TriageInvalid(DomainError):
    """A field of a triage form is missing, too long or names nothing that exists."""

    code = "invalid_triage"


class NotAProposal(DomainError):
    """The warning is not awaiting 研判 (already issued, dismissed or merged)."""

    code = "not_a_proposal"


class OpenWarningExists(DomainError):
    """Another open warning already holds this risk point and subject."""

    code = "open_warning_exists"


TRIAGE_STATUS = {TriageInvalid.code: 422, NotAProposal.code: 409, OpenWarningExists.code: 409}

MAX_REASON = 2000
MAX_SUBJECT = 200


def invalid(field: str, message: str, message_en: str) -> TriageInvalid:
    """Return the refusal of one field."""
    return TriageInvalid(message, message_en, field=field)


def reason(value: str, *, field: str = "comment", required: bool = True,
           label: str = "理由") -> str:
    """Return a reason stripped, or refuse it empty (when required), too long or with markup."""
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, f"请填写{label}", f"{field} is required")
    if len(text) > MAX_REASON:
        raise invalid(field, f"{label}不能超过 {MAX_REASON} 字", f"{field} is too long")
    refuse_markup(text, field, label)
    return text


def refuse_markup(text: str, field: str, label: str) -> None:
    """Refuse text carrying HTML tags: a reason or name is plain text."""
    lowered = text.lower()
    if "<script" in lowered or "</" in lowered or "<iframe" in lowered or "javascript:" in lowered:
        raise invalid(field, f"{label}不能包含 HTML 标签或脚本", f"{field} contains markup")
