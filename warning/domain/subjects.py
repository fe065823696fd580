"""Whether a signal names the subject a repeat rule counts by."""

from warning.domain.enums import SubjectKind


def subject_present(
    kind: SubjectKind, department: str | None, person: str | None, post: str | None
) -> bool:
    """Tell whether a signal names a subject of `kind`; a repeat rule fires only then."""
    named = {SubjectKind.PERSON: person, SubjectKind.POST: post,
             SubjectKind.DEPARTMENT: department}
    return bool(named[kind])
