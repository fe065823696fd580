"""Who or what a signal is about: the subject used for repetition and dedup."""

from dataclasses import dataclass

from warning.domain.enums import SubjectKind


@dataclass(frozen=True)
class Subject:
    """A person, post or department a signal concerns."""

    kind: SubjectKind
    key: str
    name: str


def subject_of(
    *, kind: SubjectKind | None, department: str | None, person: str | None, post: str | None
) -> Subject:
    """Return the subject of a signal; `kind` asks for one, else the most specific one known."""
    dept = department or "-"
    wanted = kind or (
        SubjectKind.PERSON if person else SubjectKind.POST if post else SubjectKind.DEPARTMENT
    )
    if wanted is SubjectKind.PERSON and person:
        return Subject(SubjectKind.PERSON, f"person:{dept}:{person}", person)
    if wanted is SubjectKind.POST and post:
        return Subject(SubjectKind.POST, f"post:{dept}:{post}", post)
    return Subject(SubjectKind.DEPARTMENT, f"department:{dept}", department or "")
